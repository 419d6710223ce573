"""The call record a flow builds as the call goes (arrival, queued, offered, answered, ended; legs) and
saves through the storage manager at arrival and at the end."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from caruso.storage.calls_repository import CallRecord, CallsRepository, LegRecord
from caruso.telephony.interface import Call

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


class CallRecordBuilder:
    def __init__(self, repo: CallsRepository | None, call: Call, direction: str = "inbound") -> None:
        self.repo = repo
        arrived = now()
        self.record = CallRecord(id=call.id, direction=direction, caller_number=call.caller or None,
                                 called_number=call.called or None, arrived_at=arrived,
                                 legs=(LegRecord(kind="caller", started_at=arrived, channel=call.id,
                                                 peer=call.caller or None),))

    def update(self, **changes: object) -> None:
        self.record = replace(self.record, **changes)  # type: ignore[arg-type]

    def queued(self, queue: str) -> None:
        if self.record.queued_at is None:
            self.update(queued_at=now(), queue=queue)
        else:
            self.update(queue=queue)

    def offered(self, agent: str, phone: str) -> int:
        at = now()
        if self.record.offered_at is None:
            self.update(offered_at=at)
        self.update(legs=(*self.record.legs, LegRecord(kind="agent", started_at=at, peer=phone, agent=agent)))
        return len(self.record.legs) - 1

    def leg(self, index: int, **changes: object) -> None:
        legs = list(self.record.legs)
        legs[index] = replace(legs[index], **changes)  # type: ignore[arg-type]
        self.update(legs=tuple(legs))

    def answered(self, agent: str, leg: int) -> None:
        at = now()
        wait = (at - (self.record.queued_at or self.record.arrived_at)).total_seconds()
        self.update(answered_at=at, agent=agent, wait_seconds=wait)
        self.leg(leg, answered_at=at)

    def ended(self, outcome: str, hangup_by: str) -> None:
        at = now()
        talk = (at - self.record.answered_at).total_seconds() if self.record.answered_at else None
        wait = self.record.wait_seconds
        if wait is None and self.record.queued_at is not None:
            wait = (at - self.record.queued_at).total_seconds()
        legs = tuple(replace(leg, ended_at=leg.ended_at or at, outcome=leg.outcome or outcome,
                             hangup_by=leg.hangup_by or hangup_by) for leg in self.record.legs)
        self.update(ended_at=at, talk_seconds=talk, wait_seconds=wait, outcome=self.record.outcome or outcome,
                    hangup_by=self.record.hangup_by or hangup_by, legs=legs)

    async def save(self) -> None:
        if self.repo is not None:
            await retrying(lambda: self.repo.save_call(self.record), f"the call record of {self.record.id}")


async def retrying(action: Callable[[], Awaitable[object]], what: str, tries: int = 5) -> bool:
    """Run a storage write, retrying a few times (SQLite answers "database is locked" to a writer that
    lost a race); a storage failure is logged, it never drops the caller."""
    for attempt in range(tries):
        try:
            await action()
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if attempt == tries - 1:
                log.error("could not save %s: %s", what, exc)
                return False
            await asyncio.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
    return False
