"""Outbound calls through Kamailio: answered, busy, rejected, no answer and failed are told apart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from caruso.telephony.interface import DialFailed, HangupCause
from tests.sip.support import Phone, free_block, running_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sip_tools")]


@pytest.mark.parametrize("respond, cause", [("486", HangupCause.BUSY), ("603", HangupCause.REJECTED),
                                            ("none", HangupCause.NO_ANSWER)])
async def test_unanswered_outcomes(tmp_path: Path, respond: str, cause: HangupCause) -> None:
    port = free_block(1)
    args = ["--answer-after", "-1"] if respond == "none" else ["--respond", respond]
    callee = await Phone.start("agent", "--port", str(port), *args)
    try:
        async with running_server(tmp_path) as server:
            await asyncio.sleep(0.5)
            with pytest.raises(DialFailed) as failed:
                await server.switch.originate(f"sip:bob@127.0.0.1:{port}", ring_timeout=3)
            assert failed.value.cause is cause
    finally:
        await callee.kill()


async def test_unreachable_target_fails(tmp_path: Path) -> None:
    port = free_block(1)
    async with running_server(tmp_path) as server:
        with pytest.raises(DialFailed) as failed:
            await server.switch.originate(f"sip:bob@127.0.0.1:{port};transport=tcp", ring_timeout=5)
        assert failed.value.cause is HangupCause.FAILED


async def test_answered_originate_plays_to_the_callee(tmp_path: Path) -> None:
    port = free_block(1)
    callee = await Phone.start("agent", "--port", str(port), "--answer-after", "0.2")
    try:
        async with running_server(tmp_path) as server:
            await asyncio.sleep(0.5)
            call = await server.switch.originate(f"sip:bob@127.0.0.1:{port}", ring_timeout=5)
            assert not call.ended
            await call.hangup()
            assert await call.wait_ended() is HangupCause.NORMAL
            await callee.expect("ended")
    finally:
        await callee.kill()
