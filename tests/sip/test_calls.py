"""Real calls through Kamailio to the media workers: answer, prompt, DTMF, record, bridge."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from caruso.config import Config
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.core.settings import build
from caruso.drivers.sip import audio
from caruso.telephony.interface import Call, Prompt
from caruso.tts import TtsService
from tests.sip.support import Phone, heard, running_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sip_tools")]


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


async def test_registered_agent_is_bridged_with_audio_both_ways(tmp_path: Path) -> None:
    results: dict[str, object] = {}

    async def flow(call: Call) -> None:
        await call.answer()
        rang = asyncio.Event()
        results["bridge"] = await call.bridge("alice", ring_timeout=10, on_ringing=rang.set)
        results["rang"] = rang.is_set()

    async with running_server(tmp_path, accounts={"alice": "s3cret"}) as server:
        server.switch.set_inbound_handler(flow)
        agent = await Phone.start("agent", "--registrar", server.address, "--user", "alice", "--password", "s3cret",
                                  "--tone", "1000", "--record", str(tmp_path / "agent.wav"), "--answer-after", "0.5")
        try:
            await agent.expect("registered")
            assert await server.switch.registered("alice")
            caller = await Phone.start("call", server.uri("100"), "--tone", "440",
                                       "--record", str(tmp_path / "caller.wav"), "--hangup-after", "4")
            try:
                await caller.expect("state", state="CONFIRMED")
                await agent.expect("incoming")
                await agent.expect("ended")
                await caller.finish()
                await agent.finish()
            finally:
                await caller.kill()
        finally:
            await agent.kill()
    assert results["rang"] is True
    assert results["bridge"].hung_up_by == "caller"
    assert heard(tmp_path / "caller.wav", 1000) > 0.5      # the caller heard the agent
    assert heard(tmp_path / "agent-0.wav", 440) > 0.5       # the agent heard the caller


async def test_wrong_password_is_refused(tmp_path: Path) -> None:
    async with running_server(tmp_path, accounts={"alice": "s3cret"}) as server:
        phone = await Phone.start("agent", "--registrar", server.address, "--user", "alice", "--password", "nope",
                                  "--exit-on-reg-fail")
        try:
            failed = await phone.expect("reg_failed")
            await phone.finish()
        finally:
            await phone.kill()
        assert failed["code"] in (401, 403)
        # and a call to alice finds nobody registered
        contacts = await server.switch.registered("alice")
        assert contacts == []


async def test_text_prompt_is_spoken_by_tts(tmp_path: Path) -> None:
    tts = TtsService(ServiceContext("tts", build(Config, {"server": {"data_dir": str(tmp_path)}}), None,
                                    ServiceManager()))
    played = asyncio.Event()

    async def flow(call: Call) -> None:
        await call.answer()
        await call.play(Prompt(text="Thank you for calling Caruso."))
        played.set()
        await call.hangup()

    async with running_server(tmp_path, extra={"tts": tts}) as server:
        server.switch.set_inbound_handler(flow)
        phone = await Phone.start("call", server.uri("100"), "--record", str(tmp_path / "heard.wav"))
        try:
            await phone.expect("ended")
            await phone.finish()
        finally:
            await phone.kill()
    assert played.is_set() and tts.rendered == 1
    samples, rate = audio.read_samples(tmp_path / "heard.wav")
    assert len(samples) > rate and audio.rms(samples) > 300


@pytest.mark.parametrize("transport, dtmf", [("tcp", "rfc4733"), ("udp", "info")])
async def test_tcp_and_sip_info_dtmf(tmp_path: Path, transport: str, dtmf: str) -> None:
    got: dict[str, object] = {}

    async def flow(call: Call) -> None:
        await call.answer()
        got["collected"] = await call.collect(max_digits=3, first_timeout=8)
        await call.hangup()

    async with running_server(tmp_path) as server:
        server.switch.set_inbound_handler(flow)
        # one key at a time, as a person presses them: INFO requests sent all at once can reach the worker out
        # of order through Kamailio's children, and a lower CSeq is refused (RFC 3261), losing the key
        args = ["call", server.uri("100") + (";transport=tcp" if transport == "tcp" else ""),
                "--dtmf", "7@2,3@2.4,9@2.8"]
        args += ["--tcp"] if transport == "tcp" else []
        args += ["--dtmf-info"] if dtmf == "info" else []
        phone = await Phone.start(*args)
        try:
            await phone.expect("ended", timeout=20)
        finally:
            await phone.kill()
    assert got["collected"].digits == "739"


async def test_blind_transfer_sends_the_caller_to_another_phone(tmp_path: Path) -> None:
    from tests.sip.support import free_block

    port = free_block(1)
    done = asyncio.Event()

    async def flow(call: Call) -> None:
        await call.answer()
        await call.transfer(f"sip:bob@127.0.0.1:{port}")
        done.set()

    async with running_server(tmp_path) as server:
        server.switch.set_inbound_handler(flow)
        bob = await Phone.start("agent", "--port", str(port), "--answer-after", "0.2")
        caller = await Phone.start("call", server.uri("100"), "--max-time", "20")
        try:
            await bob.expect("incoming", timeout=20)
            await asyncio.wait_for(done.wait(), 15)
            await bob.expect("state", state="CONFIRMED")     # the caller now talks to bob
        finally:
            await caller.kill()
            await bob.kill()
