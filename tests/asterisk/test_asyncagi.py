"""AsyncAGI: ``AGI(agi:async)`` calls driven over the AMI link (AsyncAGIStart / Action AGI / AsyncAGIExec /
AsyncAGIEnd).  There is no capture of AsyncAGI in ../shared/asterisk: the fake builds these events in the
captured AMI framing and fills them with the captured FastAGI environment and replies, URL-encoded as
Asterisk's res_agi does."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from caruso.drivers.asterisk.ami_protocol import AmiMessage
from caruso.drivers.asterisk.asyncagi import environment_of, reply_of
from caruso.telephony.events import CallHungUp
from caruso.telephony.interface import Call, CallEnded, HangupCause, Prompt
from tests.asterisk.conftest import Rig
from tests.asterisk.fake.agi import USAGE, environment_segments


def hangups(rig: Rig, call_id: str) -> list[CallHungUp]:
    return [e for e in rig.events if isinstance(e, CallHungUp) and e.call_id == call_id]


def test_environment_and_replies_are_url_decoded() -> None:
    env_block = b"".join(environment_segments(agi_request="async", agi_uniqueid="u-1"))
    start = AmiMessage.of([("Event", "AsyncAGIStart"), ("Env", quote(env_block.decode(), safe=""))])
    env = environment_of(start)
    assert env.uniqueid == "u-1" and env.caller == "5551001" and env.values["agi_request"] == "async"
    done = AmiMessage.of([("Event", "AsyncAGIExec"), ("CommandID", "c1"),
                          ("Result", quote("200 result=1 (42)\n", safe=""))])
    assert reply_of(done).data == "42"
    usage = AmiMessage.of([("Event", "AsyncAGIExec"), ("CommandID", "c2"), ("Result", quote(USAGE.decode()))])
    assert reply_of(usage).code == 520


async def test_asyncagi_inbound_call(rig: Rig, tmp_path: Path) -> None:
    results: dict[str, object] = {}

    async def flow(call: Call) -> None:
        await call.answer()
        results["menu"] = await call.collect(Prompt(file=Path("menu")), max_digits=3)
        results["recording"] = await call.record(tmp_path / "msg.wav", max_seconds=5)
        await call.hangup()

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming_async(caller="0612345678")
    caller.press("42#")
    await rig.until(lambda: hangups(rig, caller.uniqueid))
    assert results["menu"].digits == "42" and results["menu"].terminated_by == "#"
    assert results["recording"].ended_by in ("silence", "max_length")
    assert hangups(rig, caller.uniqueid)[0].cause == "normal"
    assert caller.commands[0] == "ANSWER" and caller.commands[-1] == "HANGUP"
    agi_actions = [a for a in rig.fake.ami.actions if a.get("Action") == "AGI"]
    assert len(agi_actions) == len(caller.commands)
    assert len({a.get("CommandID") for a in agi_actions}) == len(agi_actions)


async def test_asyncagi_caller_hangup_mid_prompt(rig: Rig) -> None:
    outcome: dict[str, object] = {}

    async def flow(call: Call) -> None:
        try:
            await call.play(Prompt(file=Path("long-menu")))
        except CallEnded as exc:
            outcome["cause"] = exc.cause
            raise

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming_async(prompt_seconds=3600)
    await rig.until(lambda: caller.commands)
    rig.fake.caller_hangs_up(caller)
    await rig.until(lambda: hangups(rig, caller.uniqueid))
    assert outcome["cause"] is HangupCause.CALLER_HANGUP
    assert hangups(rig, caller.uniqueid)[0].cause == "caller_hangup"
