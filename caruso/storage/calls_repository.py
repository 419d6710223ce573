"""Call records (with legs) and voicemail metadata: written by the call flows, read by the API and reports.

Added by the telephony/call-flow work (issue 6) so that SQLAlchemy stays inside caruso/storage: callers
build a ``CallsRepository(storage.database)`` and pass plain records.  Queue names and agent logins are
resolved to ids here; an unknown one is stored as NULL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from caruso.storage.database import Database
from caruso.storage.schema.acd import Agent, Queue
from caruso.storage.schema.calls import Call, CallLeg, Voicemail


@dataclass(frozen=True, slots=True, kw_only=True)
class LegRecord:
    kind: str                      # caller | agent | transfer | outbound
    started_at: datetime
    channel: str | None = None
    peer: str | None = None
    agent: str | None = None       # agent login
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    hangup_by: str | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord:
    id: str
    arrived_at: datetime
    direction: str = "inbound"
    caller_number: str | None = None
    called_number: str | None = None
    queue: str | None = None
    agent: str | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    hangup_by: str | None = None
    outcome: str | None = None
    transferred_to: str | None = None
    recording_path: str | None = None
    legs: tuple[LegRecord, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailRecord:
    id: int
    mailbox: str
    path: str
    duration_seconds: float
    created_at: datetime
    call_id: str | None = None
    caller_number: str | None = None
    listened: bool = False
    listened_by: str | None = None


_CALL_FIELDS = ("direction", "caller_number", "called_number", "arrived_at", "queued_at", "offered_at",
                "answered_at", "ended_at", "wait_seconds", "talk_seconds", "hangup_by", "outcome", "transferred_to",
                "recording_path")


class CallsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save_call(self, record: CallRecord) -> None:
        """Insert or update the call and replace its legs (a flow saves at arrival and again at the end)."""
        # SQLite: write first (a transaction that reads, then writes, fails at once with "database is locked"
        # when another writer is in; one that starts by writing waits its turn under busy_timeout)
        async with self.db.transaction() as session:
            await session.execute(delete(CallLeg).where(CallLeg.call_id == record.id))
            queue_id = await self._id(session, Queue, Queue.name, record.queue)
            agent_id = await self._id(session, Agent, Agent.login, record.agent)
            values = {name: getattr(record, name) for name in _CALL_FIELDS}
            values.update(queue_id=queue_id, agent_id=agent_id)
            updated = await session.execute(update(Call).where(Call.id == record.id).values(values))
            if updated.rowcount == 0:
                await session.execute(insert(Call).values(id=record.id, **values))
            for leg in record.legs:
                leg_agent = await self._id(session, Agent, Agent.login, leg.agent)
                await session.execute(insert(CallLeg).values(
                    call_id=record.id, kind=leg.kind, channel=leg.channel, peer=leg.peer, agent_id=leg_agent,
                    started_at=leg.started_at, answered_at=leg.answered_at, ended_at=leg.ended_at,
                    hangup_by=leg.hangup_by, outcome=leg.outcome))

    @staticmethod
    async def _id(session, table, column, value):  # type: ignore[no-untyped-def]
        if not value:
            return None
        return (await session.execute(select(table.id).where(column == value))).scalar_one_or_none()

    async def get_call(self, call_id: str) -> CallRecord | None:
        async with self.db.session() as session:
            row = (await session.execute(select(Call).where(Call.id == call_id))).scalar_one_or_none()
            if row is None:
                return None
            legs = (await session.execute(select(CallLeg).where(CallLeg.call_id == call_id)
                                          .order_by(CallLeg.id))).scalars().all()
            queue = (await session.execute(select(Queue.name).where(Queue.id == row.queue_id))).scalar_one_or_none()
            agent = (await session.execute(select(Agent.login).where(Agent.id == row.agent_id))).scalar_one_or_none()
            logins = {a.id: a.login for a in (await session.execute(select(Agent))).scalars().all()}
            return CallRecord(id=row.id, queue=queue, agent=agent,
                              legs=tuple(LegRecord(kind=leg.kind, started_at=leg.started_at, channel=leg.channel,
                                                   peer=leg.peer, agent=logins.get(leg.agent_id),
                                                   answered_at=leg.answered_at, ended_at=leg.ended_at,
                                                   hangup_by=leg.hangup_by, outcome=leg.outcome) for leg in legs),
                              **{name: getattr(row, name) for name in _CALL_FIELDS})

    async def add_voicemail(self, *, mailbox: str, path: str, duration_seconds: float, call_id: str | None = None,
                            caller_number: str | None = None, queue: str | None = None,
                            agent: str | None = None) -> VoicemailRecord:
        async with self.db.transaction() as session:
            row = Voicemail(mailbox=mailbox, path=path, duration_seconds=duration_seconds, call_id=call_id,
                            caller_number=caller_number)
            session.add(row)
            await session.flush()            # write first (see save_call)
            row.queue_id = await self._id(session, Queue, Queue.name, queue)
            row.agent_id = await self._id(session, Agent, Agent.login, agent)
            await session.flush()
            return _voicemail(row)

    async def voicemails(self, mailbox: str | None = None, *, limit: int = 100) -> list[VoicemailRecord]:
        query = select(Voicemail).order_by(Voicemail.created_at.desc(), Voicemail.id.desc()).limit(limit)
        if mailbox is not None:
            query = query.where(Voicemail.mailbox == mailbox)
        async with self.db.session() as session:
            return [_voicemail(row) for row in (await session.execute(query)).scalars().all()]

    async def get_voicemail(self, voicemail_id: int) -> VoicemailRecord | None:
        async with self.db.session() as session:
            row = await session.get(Voicemail, voicemail_id)
            return _voicemail(row) if row is not None else None

    async def mark_listened(self, voicemail_id: int, by: str, at: datetime) -> None:
        async with self.db.transaction() as session:
            await session.execute(update(Voicemail).where(Voicemail.id == voicemail_id)
                                  .values(listened=True, listened_by=by, listened_at=at))

    async def mark_notified(self, voicemail_id: int, at: datetime) -> None:
        async with self.db.transaction() as session:
            await session.execute(update(Voicemail).where(Voicemail.id == voicemail_id).values(notified_at=at))

    async def delete_voicemail(self, voicemail_id: int) -> VoicemailRecord | None:
        async with self.db.transaction() as session:
            row = await session.get(Voicemail, voicemail_id)
            if row is None:
                return None
            record = _voicemail(row)
            await session.delete(row)
            return record


def _voicemail(row: Voicemail) -> VoicemailRecord:
    return VoicemailRecord(id=row.id, mailbox=row.mailbox, path=row.path, duration_seconds=row.duration_seconds,
                           created_at=row.created_at, call_id=row.call_id, caller_number=row.caller_number,
                           listened=row.listened, listened_by=row.listened_by)


__all__ = ["CallRecord", "CallsRepository", "LegRecord", "VoicemailRecord"]
