"""Call-flow events on the bus (the call's life as the flow sees it; ACD notices are published as is)."""

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
class QueueEvent(Event):
    """An ACD notice about a call or an agent (queued, answered, abandoned, ring failed, agent state)."""

    kind: ClassVar[str] = "acd.notice"
    notice: str
    call_id: str = ""
    queue: str = ""
    agent: str = ""
    detail: str = ""
    waited: float = 0.0


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
