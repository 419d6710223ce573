"""Scripted SIP scenarios with sipp (Debian's sip-tester) against Kamailio and the media workers."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from caruso.telephony.interface import Call, HangupCause
from tests.sip.support import free_block, running_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sip_tools")]
SCENARIOS = Path(__file__).parent / "sipp"


async def run_sipp(scenario: str, target: str, service: str, tmp_path: Path) -> tuple[int, str]:
    sipp = shutil.which("sipp")
    if sipp is None:
        pytest.fail("sipp is not installed: apt-get install sip-tester (tools/setup.sh test)")
    base = free_block(4)
    process = await asyncio.create_subprocess_exec(
        sipp, target, "-sf", str(SCENARIOS / scenario), "-s", service, "-m", "1", "-i", "127.0.0.1",
        "-p", str(base), "-mp", str(base + 2), "-timeout", "30s", "-nostdin", "-trace_err",
        "-error_file", str(tmp_path / "sipp-errors.log"), cwd=str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    errors = (tmp_path / "sipp-errors.log").read_text() if (tmp_path / "sipp-errors.log").exists() else ""
    return process.returncode or 0, err.decode(errors="replace") + errors


async def test_sipp_caller_presses_a_key_by_rfc4733(tmp_path: Path) -> None:
    got: dict[str, object] = {}

    async def flow(call: Call) -> None:
        await call.answer()
        got["digits"] = (await call.collect(max_digits=1, first_timeout=10)).digits
        await call.hangup()

    async with running_server(tmp_path) as server:
        server.switch.set_inbound_handler(flow)
        code, output = await run_sipp("caller_dtmf.xml", server.address, "200", tmp_path)
    assert code == 0, output[-3000:]
    assert got["digits"] == "1"


async def test_sipp_caller_declined(tmp_path: Path) -> None:
    async def flow(call: Call) -> None:
        await call.hangup(HangupCause.REJECTED)

    async with running_server(tmp_path) as server:
        server.switch.set_inbound_handler(flow)
        code, output = await run_sipp("caller_busy.xml", server.address, "300", tmp_path)
    assert code == 0, output[-3000:]
