"""Call-flow events on the bus (the call's life as the flow sees it; the ACD publishes its own acd.* events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from caruso.events.base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class CallArrived(Event):
    kind: ClassVar[str] = "call.arrived"
    call_id: str
    caller: str
    called: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallFinished(Event):
    kind: ClassVar[str] = "call.finished"
    call_id: str
    outcome: str
    hangup_by: str
    queue: str = ""
    agent: str = ""
    wait_seconds: float | None = None
    talk_seconds: float | None = None
