"""Real calls through Kamailio to the media workers: answer, prompt, DTMF, record, bridge."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from caruso.drivers.sip import audio
from caruso.telephony.interface import Call, Prompt
from tests.sip.support import Phone, running_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sip_tools")]


def heard(path: Path, frequency: float) -> float:
    """The strongest share of *frequency* in any loud quarter-second of the recording."""
    samples, rate = audio.read_samples(path)
    step = rate // 4
    best = 0.0
    for start in range(0, len(samples) - step, step):
        window = samples[start:start + step]
        if audio.rms(window) > 300:
            best = max(best, audio.tone_power(window, rate, frequency))
    return best


async def test_caller_hears_prompt_and_keys_are_collected(tmp_path: Path) -> None:
    prompt = audio.write_tone(tmp_path / "prompt.wav", 700, 1.5)
    results: dict[str, object] = {}
    done = asyncio.Event()

    async def flow(call: Call) -> None:
        await call.answer()
        got = await call.collect(Prompt(file=prompt), max_digits=4, terminator="#", first_timeout=8)
        results["collected"] = got
        results["recording"] = await call.record(tmp_path / "rec.wav", max_seconds=2, beep=True)
        await call.hangup()
        done.set()

    async with running_server(tmp_path) as server:
        server.switch.set_inbound_handler(flow)
        phone = await Phone.start("call", server.uri("100"), "--record", str(tmp_path / "heard.wav"),
                                  "--tone", "440", "--dtmf", "42#@2")
        try:
            await phone.expect("state", state="CONFIRMED")
            await phone.expect("ended")
            await asyncio.wait_for(done.wait(), 10)
            await phone.finish()
        finally:
            await phone.kill()
    collected = results["collected"]
    assert collected.digits == "42" and collected.terminated_by == "#"
    assert heard(tmp_path / "heard.wav", 700) > 0.3
    recording = results["recording"]
    assert recording.ended_by == "max_length"
    assert heard(tmp_path / "rec.wav", 440) > 0.3
