"""The FastAGI server against the fake Asterisk's FastAGI side over loopback TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from caruso.drivers.asterisk.errors import AgiInvalidCommand, AgiUsageError
from caruso.drivers.asterisk.fastagi import AgiServer, AgiSession
from caruso.telephony.interface import CallEnded, HangupCause
from tests.asterisk.fake.agi import FakeAgiCall


@pytest.fixture
async def server() -> AsyncIterator[AgiServer]:
    srv = AgiServer(header_timeout=0.5, command_timeout=10.0)
    await srv.start("127.0.0.1", 0)
    yield srv
    await srv.stop()


async def _until(predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_commands_errors_and_unsolicited_hangup(server: AgiServer) -> None:
    seen: dict[str, object] = {}

    async def route(session: AgiSession) -> None:
        seen["env"] = session.env
        seen["mode"] = (await session.command("GET VARIABLE", "CARUSO_MODE")).data
        seen["answer"] = (await session.command("ANSWER")).result
        with pytest.raises(AgiInvalidCommand) as invalid:
            await session.command("FOO BAR")
        seen["510"] = invalid.value.code
        with pytest.raises(AgiUsageError) as usage:
            await session.command("STREAM FILE")
        seen["520"] = str(usage.value)
        await session.command("HANGUP")
        await session.hangup_seen.wait()
        with pytest.raises(CallEnded):
            await session.command("STREAM FILE", "beep", "")
        seen["done"] = True

    server.add_route("inbound", route)
    call = FakeAgiCall("127.0.0.1", server.port, uniqueid="caruso-call1-b", variables={"CARUSO_MODE": "playdtmf"})
    await call.run()
    assert seen["done"] is True
    assert seen["env"].uniqueid == "caruso-call1-b" and seen["env"].caller == "5551001"
    assert seen["mode"] == "playdtmf" and seen["answer"] == "0" and seen["510"] == 510
    assert "End of proper usage." in seen["520"] and "PLAYBACKSTATUS" in seen["520"]
    assert call.commands[-1] == "HANGUP"            # nothing was sent on the dead channel


async def test_half_header_garbage_and_silence_do_not_stall_other_calls(server: AgiServer) -> None:
    served: list[str] = []

    async def route(session: AgiSession) -> None:
        await session.command("STREAM FILE", "hello-world", "")
        served.append(session.env.uniqueid)

    server.add_route("inbound", route)
    port = server.port
    half_r, half = await asyncio.open_connection("127.0.0.1", port)
    half.write(b"agi_network: yes\nagi_network_scr")
    await half.drain()
    half.close()
    junk_r, junk = await asyncio.open_connection("127.0.0.1", port)
    junk.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    silent_r, silent = await asyncio.open_connection("127.0.0.1", port)
    silent.write(b"agi_network: yes\n")                 # then nothing: the header time-out closes it
    calls = [FakeAgiCall("127.0.0.1", port, uniqueid=f"ok-{n}") for n in range(5)]
    await asyncio.gather(*(c.run() for c in calls))
    assert sorted(served) == [f"ok-{n}" for n in range(5)]
    assert await junk_r.read() == b"" and await silent_r.read() == b""   # closed by the server
    await _until(lambda: server.rejected == 3)
    for w in (junk, silent):
        w.close()
    await half_r.read()


async def test_caller_hangup_mid_prompt_ends_the_command(server: AgiServer) -> None:
    outcome: dict[str, object] = {}

    async def route(session: AgiSession) -> None:
        try:
            await session.command("STREAM FILE", "long-menu", "0123456789", timeout=3600)
        except CallEnded as exc:
            outcome["cause"] = exc.cause
            outcome["ended_at"] = session.ended_at

    server.add_route("inbound", route)
    call = FakeAgiCall("127.0.0.1", server.port, uniqueid="c-hup", prompt_seconds=3600)
    runner = asyncio.create_task(call.run())
    await _until(lambda: call.commands)
    call.hang_up()
    await runner
    assert outcome["cause"] is HangupCause.CALLER_HANGUP and outcome["ended_at"] is not None


async def test_only_async_routes(server: AgiServer) -> None:
    def sync_route(session: AgiSession) -> None:
        return None

    with pytest.raises(TypeError, match="must be an async function"):
        server.add_route("sync", sync_route)  # type: ignore[arg-type]


async def test_dead_channel_511_and_variables_after_hangup(server: AgiServer) -> None:
    seen: dict[str, object] = {}
    call: FakeAgiCall

    async def route(session: AgiSession) -> None:
        call.dead = True                    # Asterisk knows the channel is gone before we got HANGUP
        with pytest.raises(CallEnded) as dead:
            await session.command("STREAM FILE", "beep", "")
        seen["cause"] = dead.value.cause
        seen["511"] = str(dead.value)
        reply = await session.command("GET VARIABLE", "CARUSO_CHOICE", hangup_ok=True)
        seen["var"] = reply.data             # captured: 200 result=1 (1) on the dead channel

    server.add_route("inbound", route)
    call = FakeAgiCall("127.0.0.1", server.port, uniqueid="caruso-call2-b", variables={"CARUSO_CHOICE": "1"})
    await call.run()
    assert seen["cause"] is HangupCause.CALLER_HANGUP and "Command Not Permitted on a dead channel" in seen["511"]
    assert seen["var"] == "1"
