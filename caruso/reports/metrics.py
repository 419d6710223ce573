"""The counting rules shared by the live monitor and the reports (pure: no I/O).

A call counts in a queue's figures once it has *left* the queue's waiting line:
- offered:     every call that entered the queue (counted when it enters);
- answered:    taken by an agent; ``answered_in_sl`` when its wait was <= the service-level threshold;
- abandoned:   the caller hung up while waiting (``abandon_wait_sum`` adds their wait);
- overflowed:  sent elsewhere by the queue's rules (max wait, full, empty);
- transferred: answered, then transferred by the agent.
Service level = answered within the threshold / (answered + abandoned), 1.0 when both are 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_SL_SECONDS = 20.0


@dataclass(slots=True)
class QueueCounters:
    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    overflowed: int = 0
    transferred: int = 0
    wait_sum: float = 0.0          # waits of answered calls
    abandon_wait_sum: float = 0.0  # waits of abandoned calls
    talk_sum: float = 0.0          # talk time of ended answered calls
    ended: int = 0                 # answered calls that have ended (talk time known)

    def on_offered(self) -> None:
        self.offered += 1

    def on_answered(self, waited: float, sl_seconds: float) -> None:
        self.answered += 1
        self.wait_sum += waited
        if waited <= sl_seconds:
            self.answered_in_sl += 1

    def on_abandoned(self, waited: float) -> None:
        self.abandoned += 1
        self.abandon_wait_sum += waited

    def on_overflowed(self) -> None:
        self.overflowed += 1

    def on_transferred(self) -> None:
        self.transferred += 1

    def on_ended(self, talked: float) -> None:
        self.ended += 1
        self.talk_sum += talked

    @property
    def service_level(self) -> float:
        handled = self.answered + self.abandoned
        return self.answered_in_sl / handled if handled else 1.0

    @property
    def average_wait(self) -> float:
        return self.wait_sum / self.answered if self.answered else 0.0

    @property
    def average_abandon_wait(self) -> float:
        return self.abandon_wait_sum / self.abandoned if self.abandoned else 0.0

    @property
    def average_talk(self) -> float:
        return self.talk_sum / self.ended if self.ended else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(service_level=round(self.service_level, 4), average_wait=round(self.average_wait, 1),
                    average_abandon_wait=round(self.average_abandon_wait, 1),
                    average_talk=round(self.average_talk, 1))
        return data


@dataclass(frozen=True, slots=True)
class CallFacts:
    """One stored call as the counting rules see it (from a call record row)."""

    queue: str | None
    outcome: str | None          # answered | abandoned | overflow | transferred | voicemail | ... | None (open)
    queued: bool                 # it entered a queue
    answered: bool               # an agent took it
    wait: float | None
    talk: float | None
    ended: bool
    agent: str | None = None


def fold_call(counters: QueueCounters, call: CallFacts, sl_seconds: float) -> None:
    """Add one stored call to *counters*, by the same rules the monitor applies to live events."""
    if not call.queued:
        return
    counters.on_offered()
    if call.answered:
        counters.on_answered(call.wait or 0.0, sl_seconds)
        if call.outcome == "transferred":
            counters.on_transferred()
        if call.ended and call.talk is not None:
            counters.on_ended(call.talk)
    elif call.outcome == "abandoned":
        counters.on_abandoned(call.wait or 0.0)
    elif call.outcome == "overflow":
        counters.on_overflowed()
