"""The worker pool: a worker that dies is restarted, its calls end as failed, new calls still get in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from caruso.core.component import HealthState
from caruso.telephony.interface import Call, HangupCause
from tests.sip.support import Phone, running_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sip_tools")]


async def test_a_dead_worker_fails_its_calls_and_is_restarted(tmp_path: Path) -> None:
    answered: asyncio.Queue[Call] = asyncio.Queue()

    async def flow(call: Call) -> None:
        await call.answer()
        await answered.put(call)
        await call.wait_ended()

    async with running_server(tmp_path, workers=2) as server:
        server.switch.set_inbound_handler(flow)
        caller = await Phone.start("call", server.uri("100"), "--max-time", "30")
        try:
            call = await asyncio.wait_for(answered.get(), 15)
            link = call.link
            pid = link.process.pid
            link.process.kill()
            assert await asyncio.wait_for(call.wait_ended(), 10) is HangupCause.FAILED
            assert server.switch.health().state is not HealthState.OK
            await asyncio.wait_for(link.connected.wait(), 20)
            assert link.process.pid != pid and link.restarts == 1
            assert server.switch.health().state is HealthState.OK
        finally:
            await caller.kill()
        # new calls are taken by the live workers (the restarted one included)
        for _ in range(3):
            again = await Phone.start("call", server.uri("100"), "--hangup-after", "0.5")
            try:
                await again.expect("state", state="CONFIRMED")
                await again.expect("ended")
            finally:
                await again.kill()


async def test_a_full_worker_turns_the_call_to_the_next_one(tmp_path: Path) -> None:
    """Each worker keeps half its 4 slots for the agents' legs: 2 callers each; the dispatcher fails over."""
    answered: list[Call] = []

    async def flow(call: Call) -> None:
        await call.answer()
        answered.append(call)
        await call.wait_ended()

    async with running_server(tmp_path, workers=2) as server:
        server.switch.set_inbound_handler(flow)
        phones = [await Phone.start("call", server.uri("100"), "--max-time", "30") for _ in range(4)]
        try:
            for phone in phones:
                await phone.expect("state", state="CONFIRMED")
            assert sorted(len(link.calls) for link in server.switch.pool.links) == [2, 2]
            fifth = await Phone.start("call", server.uri("100"))
            phones.append(fifth)
            ended = await fifth.expect("ended")
            assert ended["code"] == 486
        finally:
            for phone in phones:
                await phone.kill()
