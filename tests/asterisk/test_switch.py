"""The Asterisk driver end to end against the fake Asterisk (AMI + FastAGI over loopback TCP)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from caruso.drivers.asterisk.call import AsteriskCall
from caruso.drivers.asterisk.events import DeviceStateChanged
from caruso.telephony.events import CallHungUp, DtmfReceived
from caruso.telephony.interface import Call, CallDirection, CallEnded, DialFailed, HangupCause, Prompt
from tests.asterisk.conftest import Rig
from tests.asterisk.fake.ami import event


def hangups(rig: Rig, call_id: str) -> list[CallHungUp]:
    return [e for e in rig.events if isinstance(e, CallHungUp) and e.call_id == call_id]


async def test_inbound_call_prompt_digits_record_bridge_hangup(rig: Rig, tmp_path: Path) -> None:
    results: dict[str, object] = {}
    marks: list[str] = []

    async def flow(call: Call) -> None:
        results["called"] = call.called
        await call.answer()
        results["menu"] = await call.collect(Prompt(file=Path("/sounds/menu.wav")), max_digits=4)
        results["recording"] = await call.record(tmp_path / "message.wav", max_seconds=5)
        results["bridge"] = await call.bridge("6001", ring_timeout=15, on_ringing=lambda: marks.append("ringing"),
                                              on_answered=lambda: marks.append("answered"))
        marks.append("bridge ended")
        with pytest.raises(DialFailed) as busy:
            await call.bridge("6002")
        results["busy"] = busy.value.cause
        await call.hangup()

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming(dial={"PJSIP/6001": ("ANSWER", 0.05), "PJSIP/6002": ("BUSY", 0)},
                               arguments=("0800123456",))
    caller.press("42#")
    await rig.until(lambda: hangups(rig, caller.uniqueid))
    assert results["called"] == "0800123456"
    assert results["menu"].digits == "42" and results["menu"].terminated_by == "#"
    assert results["recording"].path == tmp_path / "message.wav" and (tmp_path / "message.wav").exists()
    assert results["bridge"].hung_up_by == "callee"
    assert marks == ["ringing", "answered", "bridge ended"]
    assert results["busy"] is HangupCause.BUSY
    assert hangups(rig, caller.uniqueid)[0].cause == "normal"
    assert rig.kinds(caller.uniqueid)[:2] == ["call.ringing", "call.answered"]
    assert caller.commands[:2] == ["ANSWER", 'STREAM FILE /sounds/menu 0123456789*#']
    assert any(c.startswith("EXEC Dial PJSIP/6001,15,g") for c in caller.commands)
    assert any(c.startswith("RECORD FILE " + str(tmp_path / "message") + " wav # 5000 0 BEEP s=5")
               for c in caller.commands)


async def test_caller_hangup_mid_prompt_ends_the_flow(rig: Rig) -> None:
    outcome: dict[str, object] = {}

    async def flow(call: Call) -> None:
        await call.answer()
        try:
            await call.play(Prompt(file=Path("welcome.wav")))
        except CallEnded as exc:
            outcome["cause"] = exc.cause
            outcome["ended"] = call.ended
            raise

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming(prompt_seconds=3600)
    await rig.until(lambda: any(c.startswith("STREAM FILE") for c in caller.commands))
    rig.fake.caller_hangs_up(caller)
    await rig.until(lambda: hangups(rig, caller.uniqueid))
    assert outcome["cause"] is HangupCause.CALLER_HANGUP
    (hung,) = hangups(rig, caller.uniqueid)
    assert hung.cause == "caller_hangup"
    await rig.until(lambda: caller.closed.is_set())
    assert caller.uniqueid not in rig.switch.tracker.calls


async def test_amievents_of_a_call_keep_their_order(rig: Rig) -> None:
    gate = asyncio.Event()

    async def flow(call: Call) -> None:
        gate.set()
        await call.wait_ended()

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming()
    await gate.wait()
    uid = caller.uniqueid
    rig.fake.ami.send_burst([event("DTMFEnd", Uniqueid=uid, Digit=d, Direction="Received") for d in "1234"]
                            + [event("Hangup", Uniqueid=uid, Cause="16", Cause_txt="Normal Clearing")])
    await rig.until(lambda: hangups(rig, uid))
    got = [(e.kind, getattr(e, "digit", "")) for e in rig.events
           if isinstance(e, (DtmfReceived, CallHungUp)) and e.call_id == uid]
    assert got == [("call.dtmf", "1"), ("call.dtmf", "2"), ("call.dtmf", "3"), ("call.dtmf", "4"),
                   ("call.hangup", "")]


@pytest.mark.parametrize(("outcome", "cause"), [("busy", HangupCause.BUSY), ("noanswer", HangupCause.NO_ANSWER),
                                                 ("congestion", HangupCause.FAILED)])
async def test_originate_failures_are_told_apart(rig: Rig, outcome: str, cause: HangupCause) -> None:
    rig.fake.ami.originate_outcomes["PJSIP/0612345678@trunk"] = outcome
    rig.switch.settings = rig.switch.settings.__class__(**{**rig.switch.settings.__dict__, "trunk": "trunk"})
    with pytest.raises(DialFailed) as failed:
        await rig.switch.originate("0612345678", ring_timeout=5)
    assert failed.value.cause is cause
    (ringing,) = [e for e in rig.events if e.kind == "call.ringing"]
    await rig.until(lambda: hangups(rig, ringing.call_id))        # nothing left "ringing" forever
    assert hangups(rig, ringing.call_id)[0].cause == cause.value


async def test_originate_success_gives_an_answered_call(rig: Rig) -> None:
    rig.fake.outbound_options["PJSIP/6001"] = {"amd": ("MACHINE", "LONGGREETING-2500-2500")}
    call = await rig.switch.originate("6001", caller_id="Caruso <5550000>", ring_timeout=5,
                                      variables={"CAMPAIGN": "7"})
    assert isinstance(call, AsteriskCall) and call.direction is CallDirection.OUTBOUND
    assert call.called == "6001" and not call.ended
    await call.play(Prompt(file=Path("hello-world")))
    assert await call.detect_machine() == ("MACHINE", "LONGGREETING-2500-2500")
    await call.hangup()
    assert (await call.wait_ended()) is HangupCause.NORMAL
    (originate,) = [a for a in rig.fake.ami.actions if a.get("Action") == "Originate"]
    assert originate.get("Channel") == "PJSIP/6001" and originate.get("Async") == "true"
    assert originate.get("Data") == f"agi://127.0.0.1:{rig.switch.agi.port}/outbound"
    assert originate.get_all("Variable") == ["CAMPAIGN=7"]


async def test_phone_states_from_resync_and_events(rig: Rig) -> None:
    assert rig.switch.phone_state("6001") == "NOT_INUSE"
    assert rig.switch.phone_state("PJSIP/6002") == "UNAVAILABLE"
    rig.fake.ami.emit("DeviceStateChange", Device="PJSIP/6001", State="RINGING")
    await rig.until(lambda: rig.switch.phone_state("6001") == "RINGING")
    changed = [e for e in rig.events if isinstance(e, DeviceStateChanged) and e.endpoint == "6001"]
    assert [e.state for e in changed] == ["NOT_INUSE", "RINGING"]


async def test_blind_and_attended_transfer(rig: Rig) -> None:
    done = asyncio.Event()

    async def flow(call: Call) -> None:
        await call.answer()
        await call.transfer("6002", attended=True)
        await call.transfer("6003")
        assert call.ended
        done.set()

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming()
    await done.wait()
    await rig.until(lambda: hangups(rig, caller.uniqueid))
    actions = [(a.get("Action"), a.get("Exten"), a.get("Context"), a.get("Channel")) for a in rig.fake.ami.actions
               if a.get("Action") in ("Atxfer", "Redirect")]
    assert actions == [("Atxfer", "6002", "caruso-transfer", caller.channel),
                       ("Redirect", "6003", "caruso-transfer", caller.channel)]
    assert hangups(rig, caller.uniqueid)[0].cause == "normal"


async def test_bridge_membership_from_ami(rig: Rig) -> None:
    gate = asyncio.Event()
    calls: list[Call] = []

    async def flow(call: Call) -> None:
        calls.append(call)
        gate.set()
        await call.wait_ended()

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming()
    await gate.wait()
    rig.fake.ami.emit("BridgeEnter", Uniqueid=caller.uniqueid, BridgeUniqueid="b-42")
    await rig.until(lambda: calls[0].bridge_id == "b-42")
    rig.fake.ami.emit("BridgeLeave", Uniqueid=caller.uniqueid, BridgeUniqueid="b-42")
    await rig.until(lambda: calls[0].bridge_id == "")
    rig.fake.caller_hangs_up(caller)
    await rig.until(lambda: hangups(rig, caller.uniqueid))
