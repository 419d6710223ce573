"""What the core returns: plain data.

*Decisions* ask the host to act (ring, cancel ringing, send a call elsewhere, announce).  *Notices* say
what changed, so the host can publish events and keep records; they need no action.

They are read-only by convention: slotted but not frozen dataclasses, because a frozen dataclass costs
six times as much to build (3 us against 0.5 us) and the core builds several per routing decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from caruso.acd.model import AgentState, OverflowTarget, RingOutcome


@dataclass(slots=True)
class Reserve:
    """Ring ``agents`` (one, or several for ring-all) for ``call``; the first to answer takes it.

    ``callback``: the caller hung up and asked to be called back — ring the agent, then dial the caller.
    """

    call: str
    queue: str
    agents: tuple[str, ...]
    ring_timeout: float
    callback: bool = False
    callback_number: str = ""


@dataclass(slots=True)
class CancelRing:
    """Stop ringing these agents for ``call`` (someone else answered, or the caller left)."""

    call: str
    agents: tuple[str, ...]


@dataclass(slots=True)
class Overflow:
    """The call leaves ``queue`` for ``target`` (reason: max_wait, queue_full, join_empty, leave_empty,
    too_many_hops).  For a QUEUE target the core has already queued it there."""

    call: str
    queue: str
    target: OverflowTarget
    reason: str


@dataclass(slots=True)
class Announce:
    """Tell a waiting caller their position (1 = next) and estimated wait time in seconds."""

    call: str
    queue: str
    position: int
    ewt: float


Decision = Reserve | CancelRing | Overflow | Announce


@dataclass(slots=True)
class AgentStateChanged:
    agent: str
    old: AgentState
    new: AgentState
    at: float
    time_in_previous: float
    reason: str = ""          # pause reason code, or the ring outcome for MISSED
    call: str = ""


@dataclass(slots=True)
class CallQueued:
    call: str
    queue: str
    at: float
    position: int
    ewt: float
    requeued: bool = False    # back at its original place after a ring that was not answered


@dataclass(slots=True)
class CallAnswered:
    call: str
    queue: str
    agent: str
    at: float
    waited: float


@dataclass(slots=True)
class CallAbandoned:
    call: str
    queue: str
    at: float
    waited: float


@dataclass(slots=True)
class CallRingFailed:
    call: str
    queue: str
    agent: str
    at: float
    outcome: RingOutcome


@dataclass(slots=True)
class CallbackRequested:
    call: str
    queue: str
    at: float
    number: str


@dataclass(slots=True)
class CallEnded:
    call: str
    queue: str
    agent: str
    at: float
    talked: float


Notice = AgentStateChanged | CallQueued | CallAnswered | CallAbandoned | CallRingFailed | CallbackRequested | CallEnded
Output = Decision | Notice
