"""Outbound through the call flows: originate to a customer, connect an agent on answer; a busy customer
is told apart and recorded."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from caruso.storage.calls_repository import CallsRepository
from caruso.telephony.interface import DialFailed, HangupCause
from tests.callflow.conftest import running_site
from tests.callflow.test_inbound import ACCOUNTS, QUEUE, agent_phone, until
from tests.sip.support import Phone, free_block, heard

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("e2e_tools")]


async def test_outbound_call_is_connected_to_an_agent(tmp_path: Path, smtp: Any) -> None:
    agents = {"alice": {"phone": "alice", "queues": ["sales"]}}
    port = free_block(1)
    async with running_site(tmp_path, smtp.port, queue=QUEUE, agents=agents, accounts=ACCOUNTS) as site:
        agent = await agent_phone(site, "alice", "--tone", "1000", "--record", str(tmp_path / "agent.wav"))
        customer = await Phone.start("agent", "--port", str(port), "--answer-after", "0.3", "--tone", "440",
                                     "--hangup-after", "4", "--max-time", "40")
        try:
            await asyncio.sleep(0.3)
            placing = asyncio.ensure_future(site.flows.outbound.call(f"sip:bob@127.0.0.1:{port}", agent="alice"))
            await customer.expect("incoming")
            await agent.expect("incoming")
            outcome = await asyncio.wait_for(placing, 20)
            await agent.expect("ended")
            await agent.finish()
        finally:
            await customer.kill()
            await agent.kill()
        await until(lambda: site.finished())
        record = await CallsRepository(site.storage.database).get_call(site.finished()[0].call_id)
    assert outcome == "answered"
    assert heard(tmp_path / "agent-0.wav", 440) > 0.5
    assert record is not None and record.direction == "outbound" and record.outcome == "answered"
    assert [leg.kind for leg in record.legs] == ["caller", "agent"]


async def test_busy_customer_is_recorded_as_busy(tmp_path: Path, smtp: Any) -> None:
    port = free_block(1)
    async with running_site(tmp_path, smtp.port, queue=QUEUE, agents={}, accounts=ACCOUNTS) as site:
        customer = await Phone.start("agent", "--port", str(port), "--respond", "486")
        try:
            await asyncio.sleep(0.5)
            with pytest.raises(DialFailed) as failed:
                await site.flows.outbound.call(f"sip:bob@127.0.0.1:{port}", agent="alice", ring_timeout=5)
        finally:
            await customer.kill()
        await until(lambda: site.finished())
        record = await CallsRepository(site.storage.database).get_call(site.finished()[0].call_id)
    assert failed.value.cause is HangupCause.BUSY
    assert record is not None and (record.direction, record.outcome) == ("outbound", "busy")
