"""What the dialer service needs from the rest of the system, as small interfaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """The agents of a campaign's queue, as the pacer needs them."""

    ready: int = 0
    staffed: int = 0                       # logged in and not paused: ready, on a call, in wrap-up
    wrap_up_left: tuple[float, ...] = ()   # seconds of wrap-up left, per agent in wrap-up
    talking_for: tuple[float, ...] = ()    # seconds on the current call, per agent on a call
    wrap_up: float = 0.0                   # the wrap-up that follows a call (the queue's agents' typical)


@dataclass(frozen=True, slots=True)
class ReservedAgent:
    id: str
    phone: str                             # what to bridge the answered call to


class AgentPool(Protocol):
    """The ACD's side: agents' states, and an agent reserved for an answered outbound call."""

    def snapshot(self, queue: str, now: float) -> AgentSnapshot: ...

    def reserve(self, queue: str, agent: str | None = None) -> ReservedAgent | None:
        """Take a ready agent of *queue* (the longest idle, or exactly *agent*) off the ready list."""

    def release(self, agent: str, *, wrap_up: bool) -> None:
        """The call is over (wrap-up follows), or it never reached the agent (ready again)."""
