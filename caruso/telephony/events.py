"""Telephony events every driver publishes on the bus (call ids are the driver's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from caruso.events.base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRinging(Event):
    kind: ClassVar[str] = "call.ringing"
    call_id: str
    caller: str = ""
    called: str = ""
    direction: str = "inbound"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(Event):
    kind: ClassVar[str] = "call.answered"
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfReceived(Event):
    kind: ClassVar[str] = "call.dtmf"
    call_id: str
    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallHungUp(Event):
    kind: ClassVar[str] = "call.hangup"
    call_id: str
    cause: str
    code: int = 0
