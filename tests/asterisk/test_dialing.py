"""Pure mappings and the tracker's reconciliation plan."""

from __future__ import annotations

import asyncio

import pytest

from caruso.drivers.asterisk.ami_protocol import AmiMessage
from caruso.drivers.asterisk.dialing import (
    device_state, dial_status_cause, dial_string, hangup_cause, originate_cause, phone_available,
)
from caruso.drivers.asterisk.tracker import PendingOriginate, Tracker
from caruso.telephony.interface import HangupCause


def test_dial_strings() -> None:
    assert dial_string("6001") == "PJSIP/6001"
    assert dial_string("sip:6001@pbx.example;transport=udp") == "PJSIP/6001"
    assert dial_string("Local/agent1@caruso-agents/n") == "Local/agent1@caruso-agents/n"
    assert dial_string("0612345678", trunk="trunk") == "PJSIP/0612345678@trunk"
    assert dial_string("0612345678") == "PJSIP/0612345678"          # no trunk configured
    for bad in ("", "6001,g", "6001&PJSIP/6002", "x\r\nAction: Originate"):
        with pytest.raises(ValueError):
            dial_string(bad)


def test_causes() -> None:
    assert hangup_cause(16) is HangupCause.CALLER_HANGUP
    assert hangup_cause(16, caller_side=False) is HangupCause.NORMAL
    assert hangup_cause(17) is HangupCause.BUSY and hangup_cause(19) is HangupCause.NO_ANSWER
    assert hangup_cause(21) is HangupCause.REJECTED and hangup_cause(38) is HangupCause.FAILED
    assert [originate_cause(r) for r in (5, 3, 8, 0)] == [HangupCause.BUSY, HangupCause.NO_ANSWER,
                                                          HangupCause.FAILED, HangupCause.FAILED]
    assert dial_status_cause("NOANSWER") is HangupCause.NO_ANSWER and dial_status_cause("BUSY") is HangupCause.BUSY
    assert dial_status_cause("CHANUNAVAIL") is HangupCause.FAILED


def test_device_states_from_both_spellings() -> None:
    assert device_state("NOT_INUSE") == device_state("Not in use") == "NOT_INUSE"
    assert device_state("In use") == "INUSE" and device_state("Unavailable") == "UNAVAILABLE"
    assert device_state("whatever") == "UNKNOWN"
    assert phone_available("NOT_INUSE") and not phone_available("RINGING")


class _Call:
    def __init__(self, ended: bool = False) -> None:
        self.ended = ended


async def test_reconcile_plan() -> None:
    tracker = Tracker()
    tracker.calls = {"up": _Call(), "gone": _Call(), "done": _Call(ended=True)}
    loop = asyncio.get_running_loop()
    kept = PendingOriginate("6001", "ch-kept", "a1", loop.create_future(), uncertain=True)
    lost = PendingOriginate("6002", "ch-lost", "a2", loop.create_future(), uncertain=True)
    sure = PendingOriginate("6003", "ch-sure", "a3", loop.create_future())
    for pending in (kept, lost, sure):
        tracker.add_originate(pending)
    channels = [AmiMessage.of([("Event", "CoreShowChannel"), ("Uniqueid", u)]) for u in ("up", "ch-kept")]
    plan = tracker.reconcile(channels, [AmiMessage.of([("Event", "BridgeListItem"), ("BridgeUniqueid", "b1")])])
    assert plan.reattached == ["up"] and plan.gone == ["gone"]
    assert plan.originates_alive == ["ch-kept"] and plan.originates_lost == ["ch-lost"]
    assert tracker.bridges == {"b1"}
    assert tracker.originate_for(AmiMessage.of([("Event", "OriginateResponse"), ("ActionID", "a3")])) is sure
    assert tracker.device_changed("PJSIP/6001", "Not in use") == ("PJSIP/6001", "NOT_INUSE")
    assert tracker.device_changed("PJSIP/6001", "NOT_INUSE") is None
    assert tracker.phone_state("6001") == "NOT_INUSE" and tracker.phone_state("7001") == "UNKNOWN"
