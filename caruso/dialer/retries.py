"""What happens to a contact after an attempt: done, retried no sooner than the minimum gap, called back at
the promised time, or never again.  Pure; times are Unix seconds from the injected clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone

from caruso.dialer.dispositions import Disposition
from caruso.dialer.errors import CallbackRejected
from caruso.dialer.model import AttemptResult, CampaignSpec, Contact
from caruso.dialer.windows import customer_zones, is_open


class ContactStatus(str, enum.Enum):
    PENDING = "pending"          # waiting for its next attempt
    IN_PROGRESS = "in_progress"
    DONE = "done"                # a final disposition was given
    FAILED = "failed"            # attempts exhausted
    DO_NOT_CALL = "do_not_call"  # opted out on the call, or blocked by consent or the do-not-call list
    CALLBACK = "callback"        # a callback is promised


@dataclass(frozen=True, slots=True)
class ContactPlan:
    status: ContactStatus
    attempts: int
    next_attempt_at: float | None = None
    agent_required: bool = False
    reason: str = ""


def after_attempt(campaign: CampaignSpec, contact: Contact, result: AttemptResult, now: float,
                  disposition: Disposition | None = None, callback_at: float | None = None) -> ContactPlan:
    """The contact's plan once an attempt ended with *result* (and, if it reached an agent, a disposition;
    with a callback disposition, the promised time)."""
    attempts = contact.attempts + (0 if result is AttemptResult.BLOCKED else 1)
    if result is AttemptResult.CONNECTED and disposition is not None:
        if disposition.callback and callback_at is not None:
            return ContactPlan(ContactStatus.CALLBACK, attempts, next_attempt_at=callback_at,
                               reason=f"disposition {disposition.code}: callback promised")
        if disposition.do_not_call:
            return ContactPlan(ContactStatus.DO_NOT_CALL, attempts, reason=f"disposition {disposition.code}: opt-out")
        if not disposition.retry and not disposition.callback:
            return ContactPlan(ContactStatus.DONE, attempts, reason=f"disposition {disposition.code}")
        result_gap = campaign.retry.no_answer_gap
    elif result is AttemptResult.CONNECTED:
        return ContactPlan(ContactStatus.DONE, attempts, reason="connected")
    elif result is AttemptResult.BLOCKED:
        return ContactPlan(ContactStatus.DO_NOT_CALL, attempts, reason="blocked at dial time")
    else:
        result_gap = campaign.retry.gap_after(result)
    if attempts >= campaign.retry.max_attempts:
        return ContactPlan(ContactStatus.FAILED, attempts, reason=f"{attempts} attempts, last {result.value}")
    return ContactPlan(ContactStatus.PENDING, attempts, next_attempt_at=now + result_gap,
                       agent_required=result is AttemptResult.ABANDONED or contact.agent_required,
                       reason=f"{result.value}: retry after {result_gap:.0f} s")


@dataclass(frozen=True, slots=True)
class Callback:
    """A call an agent promised: at ``due_at``, by ``agent`` if given, else by the campaign's queue."""

    id: int
    contact: Contact
    due_at: float
    agent: str | None = None
    campaign: str | None = None
    note: str = ""


def check_promise(campaign: CampaignSpec, contact: Contact, due_at: float, now: float) -> None:
    """An agent may only promise a time in the future and inside the customer's calling window."""
    if due_at <= now:
        raise CallbackRejected("a callback time must be in the future")
    zones = customer_zones(contact.number, contact.timezone)
    when = datetime.fromtimestamp(due_at, timezone.utc)
    if not is_open(campaign.windows, zones, when):
        where = ", ".join(zones[:3]) or "unknown time zone"
        raise CallbackRejected(f"{when.isoformat()} is outside the calling window ({where})")


class CallbackBook:
    """Promised callbacks, due in time order.  ``due(now)`` hands out every callback whose time has come."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[int, Callback] = {}

    def add(self, callback: Callback) -> None:
        self._items[callback.id] = callback

    def cancel(self, callback_id: int) -> Callback | None:
        return self._items.pop(callback_id, None)

    def __len__(self) -> int:
        return len(self._items)

    def next_due(self) -> float | None:
        return min((c.due_at for c in self._items.values()), default=None)

    def due(self, now: float) -> list[Callback]:
        ready = sorted((c for c in self._items.values() if c.due_at <= now), key=lambda c: (c.due_at, c.id))
        for c in ready:
            del self._items[c.id]
        return ready
