"""Real calls end to end: a pjsua2 caller dials Caruso, hears the IVR, presses 1 (RFC 4733), waits in the
queue, a registered pjsua2 agent phone rings and answers, both hear each other; call records, contact
history, voicemail with e-mail, abandon, ring-no-answer re-offered."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from caruso.acd import AgentState
from caruso.storage.calls_repository import CallsRepository
from tests.callflow.conftest import Site, running_site
from tests.sip.support import Phone, heard, loud_seconds

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("e2e_tools")]

QUEUE = {"ring_timeout": 6.0, "max_wait": 60.0, "overflow": "voicemail:queue:sales"}
ACCOUNTS = {"alice": "alice-pw", "bob": "bob-pw"}
CALLER = "0612345678"


async def agent_phone(site: Site, user: str, *args: str) -> Phone:
    phone = await Phone.start("agent", "--registrar", site.address, "--user", user, "--password", ACCOUNTS[user],
                              "--max-time", "60", *args)
    await phone.expect("registered")
    return phone


async def caller_phone(site: Site, *args: str) -> Phone:
    return await Phone.start("call", site.uri("100"), "--user", CALLER, "--max-time", "60", *args)


async def until(predicate: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def customer(site: Site) -> Any:
    return await site.storage.objects.create("Customer", {"number": "C-1", "lastName": "Martin",
                                                          "phone": "+33612345678"})


async def test_caller_reaches_an_agent_through_ivr_and_queue(tmp_path: Path, smtp: Any) -> None:
    agents = {"alice": {"phone": "alice", "queues": ["sales"]}}
    async with running_site(tmp_path, smtp.port, queue=QUEUE, agents=agents, accounts=ACCOUNTS) as site:
        known = await customer(site)
        site.flows.agent_state("alice", AgentState.READY)
        agent = await agent_phone(site, "alice", "--tone", "1000", "--record", str(tmp_path / "agent.wav"))
        caller = await caller_phone(site, "--tone", "440", "--record", str(tmp_path / "caller.wav"),
                                    "--dtmf", "1@3", "--hangup-after", "12")
        try:
            await caller.expect("state", state="CONFIRMED")
            await agent.expect("incoming", timeout=20)
            await caller.expect("ended", timeout=30)
            await agent.expect("ended")
            await caller.finish()
            await agent.finish()
        finally:
            await caller.kill()
            await agent.kill()
        await until(lambda: site.finished())
        call_id = site.finished()[0].call_id
        record = await CallsRepository(site.storage.database).get_call(call_id)
        timeline = await site.storage.timeline(known)
    assert loud_seconds(tmp_path / "caller.wav") > 1.0          # the IVR prompt, then the agent
    assert heard(tmp_path / "caller.wav", 1000) > 0.5           # the caller heard the agent's tone
    assert heard(tmp_path / "agent-0.wav", 440) > 0.5           # the agent heard the caller's tone
    assert record is not None
    assert (record.outcome, record.hangup_by, record.caller_number) == ("answered", "caller", CALLER)
    assert record.queued_at and record.offered_at and record.answered_at and record.ended_at
    assert record.arrived_at <= record.queued_at <= record.offered_at <= record.answered_at <= record.ended_at
    assert record.wait_seconds is not None and 0 <= record.wait_seconds < 20
    assert record.talk_seconds is not None and record.talk_seconds > 1
    assert [leg.kind for leg in record.legs] == ["caller", "agent"]
    assert record.legs[1].answered_at is not None and record.legs[1].outcome == "answered"
    assert [(e.kind, e.outcome, e.call_id) for e in timeline.items] == [("inbound_call", "answered", call_id)]
