"""ACD events on the bus (kind ``acd.*``), one per core notice or decision the rest of Caruso cares about.

Field names follow the core's notices (decisions.py), so the monitor and reports read them as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from caruso.events.base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged(Event):
    kind: ClassVar[str] = "acd.agent_state_changed"
    agent: str
    old: str
    new: str
    time_in_previous: float
    reason: str = ""
    call: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallQueued(Event):
    kind: ClassVar[str] = "acd.call_queued"
    call: str
    queue: str
    position: int
    ewt: float
    caller: str = ""
    requeued: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOffered(Event):
    """Agents are being rung for the call (a reservation)."""

    kind: ClassVar[str] = "acd.call_offered"
    call: str
    queue: str
    agents: tuple[str, ...]
    callback: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(Event):
    kind: ClassVar[str] = "acd.call_answered"
    call: str
    queue: str
    agent: str
    waited: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRingFailed(Event):
    kind: ClassVar[str] = "acd.call_ring_failed"
    call: str
    queue: str
    agent: str
    outcome: str          # no_answer | rejected | failed


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAbandoned(Event):
    kind: ClassVar[str] = "acd.call_abandoned"
    call: str
    queue: str
    waited: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOverflowed(Event):
    kind: ClassVar[str] = "acd.call_overflowed"
    call: str
    queue: str
    target_kind: str      # queue | voicemail | callback | number | hangup
    target: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequested(Event):
    kind: ClassVar[str] = "acd.callback_requested"
    call: str
    queue: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(Event):
    kind: ClassVar[str] = "acd.call_ended"
    call: str
    queue: str
    agent: str
    talked: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigReloaded(Event):
    kind: ClassVar[str] = "acd.config_reloaded"
    queues: int
    agents: int


ALL = (AgentStateChanged, CallQueued, CallOffered, CallAnswered, CallRingFailed, CallAbandoned, CallOverflowed,
       CallbackRequested, CallEnded, ConfigReloaded)
