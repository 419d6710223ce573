"""Campaigns, their contacts and attempts, callbacks and dispositions, for the dialer service.

Returns the dialer's own domain objects (``caruso.dialer.model``); times cross this boundary as Unix
seconds (the dialer's clock) and are stored as aware UTC datetimes.  A contact's time zone (from the
customer record) and "agent required" flag live in its ``data`` under ``timezone`` / ``agent_required``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from caruso.dialer.codec import spec_from_dict, spec_to_dict
from caruso.dialer.errors import CampaignConfigError, CampaignNotFound
from caruso.dialer.model import AttemptResult, CampaignSpec, CampaignStatus, Contact
from caruso.dialer.retries import ContactPlan
from caruso.storage.consent import address_hash
from caruso.storage.database import Database
from caruso.storage.privacy_repository import suppressed_among
from caruso.storage.schema.acd import Agent
from caruso.storage.schema.campaigns import Callback as CallbackRow
from caruso.storage.schema.campaigns import Campaign as CampaignRow
from caruso.storage.schema.campaigns import CampaignAttempt, CampaignContact
from caruso.storage.schema.campaigns import Disposition as DispositionRow
from caruso.storage.schema.contacts import Suppression
from caruso.storage.schema.scripts import ScriptRun

DAY = 86_400


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _ts(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    id: int
    spec: CampaignSpec
    status: CampaignStatus
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None


@dataclass(frozen=True, slots=True)
class NewContact:
    number: str
    customer: tuple[str, str] | None = None
    timezone: str | None = None
    priority: int = 0
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DueCallback:
    id: int
    campaign: str | None
    contact: Contact
    due_at: float
    agent: str | None
    note: str


def _info(row: CampaignRow) -> CampaignInfo:
    data = dict(row.settings or {})
    data.update(name=row.name, mode=row.mode, purpose=row.purpose, script=row.script, caller_id=row.caller_id,
                label=row.label)
    return CampaignInfo(row.id, spec_from_dict(data), CampaignStatus(row.status), _ts(row.created_at) or 0.0,
                        _ts(row.started_at), _ts(row.ended_at))


def _contact(row: CampaignContact) -> Contact:
    data = dict(row.data or {})
    customer = (row.customer_object, row.customer_key)
    return Contact(row.id, row.number, customer[0], customer[1], timezone=data.pop("timezone", None),
                   attempts=row.attempts, next_attempt_at=_ts(row.next_attempt_at),
                   agent_required=bool(data.pop("agent_required", False)), data=data)


async def _write_lock(session: Any) -> None:
    """Take SQLite's write lock first: a transaction that reads then writes cannot wait for a concurrent
    writer (SQLITE_BUSY at once, "database is locked"), one that starts by writing waits its turn."""
    if session.bind.dialect.name == "sqlite":
        await session.execute(text("UPDATE campaigns SET id = id WHERE 0"))


class CampaignRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # campaigns ----------------------------------------------------------------------------------
    async def create(self, spec: CampaignSpec) -> CampaignInfo:
        settings = {k: v for k, v in spec_to_dict(spec).items()
                    if k not in {"name", "mode", "purpose", "script", "caller_id", "label"}}
        row = CampaignRow(name=spec.name, label=spec.label, mode=spec.mode.value, purpose=spec.purpose.value,
                          script=spec.script, caller_id=spec.caller_id, status=CampaignStatus.DRAFT.value,
                          max_attempts=spec.retry.max_attempts, retry_delay_seconds=int(spec.retry.no_answer_gap),
                          abandon_cap=spec.pacing.abandon_cap, calling_window={}, settings=settings)
        try:
            async with self.db.transaction() as session:
                await _write_lock(session)
                session.add(row)
        except IntegrityError as exc:
            raise CampaignConfigError(f"a campaign named {spec.name!r} exists", setting="name") from exc
        return _info(row)

    async def _row(self, session: Any, name: str) -> CampaignRow:
        row = await session.scalar(select(CampaignRow).where(CampaignRow.name == name))
        if row is None:
            raise CampaignNotFound(name)
        return row

    async def get(self, name: str) -> CampaignInfo:
        async with self.db.session() as session:
            return _info(await self._row(session, name))

    async def list(self) -> list[CampaignInfo]:
        async with self.db.session() as session:
            rows = (await session.scalars(select(CampaignRow).order_by(CampaignRow.name))).all()
        return [_info(r) for r in rows]

    async def set_status(self, name: str, status: CampaignStatus, at: float) -> CampaignInfo:
        async with self.db.transaction() as session:
            await _write_lock(session)
            row = await self._row(session, name)
            row.status = status.value
            if status is CampaignStatus.RUNNING and row.started_at is None:
                row.started_at = _dt(at)
            if status in (CampaignStatus.STOPPED, CampaignStatus.FINISHED):
                row.ended_at = _dt(at)
            return _info(row)

    # contacts -----------------------------------------------------------------------------------
    async def add_contacts(self, name: str, contacts: Iterable[NewContact]) -> int:
        """Add the contacts (returns how many); numbers on the suppression list (erased people) are skipped."""
        contacts = list(contacts)
        async with self.db.transaction() as session:
            await _write_lock(session)
            campaign = await self._row(session, name)
            suppressed = await suppressed_among(session, [c.number for c in contacts])
            rows = []
            for c in contacts:
                if c.number in suppressed:
                    continue
                data = dict(c.data)
                if c.timezone:
                    data["timezone"] = c.timezone
                rows.append(CampaignContact(campaign_id=campaign.id, number=c.number, priority=c.priority,
                                            customer_object=c.customer[0] if c.customer else None,
                                            customer_key=str(c.customer[1]) if c.customer else None, data=data))
            session.add_all(rows)
        return len(rows)

    async def claim_due(self, campaign_id: int, now: float, limit: int, *, exclude: Iterable[int] = ()) -> list[Contact]:
        """Up to *limit* pending contacts whose time has come (highest priority first), set in progress."""
        if limit <= 0:
            return []
        stmt = (select(CampaignContact.id)
                .where(CampaignContact.campaign_id == campaign_id, CampaignContact.status == "pending",
                       (CampaignContact.next_attempt_at.is_(None)) | (CampaignContact.next_attempt_at <= _dt(now)))
                .order_by(CampaignContact.priority.desc(), CampaignContact.next_attempt_at, CampaignContact.id)
                .limit(limit))
        skip = list(exclude)
        if skip:
            stmt = stmt.where(CampaignContact.id.not_in(skip))
        async with self.db.session() as session:       # most turns find nothing: no write lock for that
            ids = list((await session.scalars(stmt)).all())
        if not ids:
            return []
        async with self.db.transaction() as session:
            await _write_lock(session)
            rows = (await session.scalars(select(CampaignContact).where(
                CampaignContact.id.in_(ids), CampaignContact.status == "pending"))).all()
            for row in rows:
                row.status = "in_progress"
            order = {contact_id: i for i, contact_id in enumerate(ids)}
            return [_contact(r) for r in sorted(rows, key=lambda r: order[r.id])]

    async def get_contact(self, contact_id: int) -> Contact:
        async with self.db.session() as session:
            row = await session.get(CampaignContact, contact_id)
            if row is None:
                raise CampaignNotFound(f"contact {contact_id}")
            return _contact(row)

    async def plan(self, contact_id: int, plan: ContactPlan, *, disposition: str | None = None) -> None:
        async with self.db.transaction() as session:
            await _write_lock(session)
            row = await session.get(CampaignContact, contact_id)
            if row is None:
                return
            data = dict(row.data or {})
            if plan.agent_required:
                data["agent_required"] = True
            else:
                data.pop("agent_required", None)
            row.data = data
            row.status = plan.status.value
            row.attempts = plan.attempts
            row.next_attempt_at = _dt(plan.next_attempt_at)
            if disposition is not None:
                row.last_disposition = disposition

    async def postpone(self, contact_id: int, until: float | None) -> None:
        """Back to pending without an attempt (outside the window, agent required): try again at *until*."""
        async with self.db.transaction() as session:
            await _write_lock(session)
            await session.execute(update(CampaignContact).where(CampaignContact.id == contact_id)
                                  .values(status="pending", next_attempt_at=_dt(until)))

    async def reset_in_progress(self, campaign_id: int) -> int:
        """After a restart: contacts left in progress go back to pending."""
        async with self.db.transaction() as session:
            await _write_lock(session)
            result = await session.execute(update(CampaignContact).where(
                CampaignContact.campaign_id == campaign_id, CampaignContact.status == "in_progress")
                .values(status="pending"))
            return int(result.rowcount or 0)

    async def contact_counts(self, campaign_id: int) -> dict[str, int]:
        async with self.db.session() as session:
            rows = (await session.execute(select(CampaignContact.status, func.count()).where(
                CampaignContact.campaign_id == campaign_id).group_by(CampaignContact.status))).all()
        return {status: int(n) for status, n in rows}

    # attempts -----------------------------------------------------------------------------------
    async def start_attempt(self, campaign_id: int, contact: Contact, at: float) -> int:
        async with self.db.transaction() as session:
            await _write_lock(session)
            row = CampaignAttempt(campaign_id=campaign_id, contact_id=contact.id, number=contact.number,
                                  started_at=_dt(at))
            session.add(row)
            await session.flush()
            return int(row.id)

    async def finish_attempt(self, attempt_id: int, result: AttemptResult, *, ended_at: float,
                             answered_at: float | None = None, call_id: str | None = None,
                             agent: str | None = None, disposition: str | None = None) -> None:
        async with self.db.transaction() as session:
            await _write_lock(session)
            row = await session.get(CampaignAttempt, attempt_id)
            if row is None:
                return
            row.result, row.ended_at, row.answered_at = result.value, _dt(ended_at), _dt(answered_at)
            row.call_id = call_id or row.call_id
            row.disposition = disposition or row.disposition
            if agent:
                row.agent_id = await session.scalar(select(Agent.id).where(Agent.login == agent))

    async def attempt_counts(self, campaign_id: int) -> dict[str, int]:
        async with self.db.session() as session:
            rows = (await session.execute(select(CampaignAttempt.result, func.count()).where(
                CampaignAttempt.campaign_id == campaign_id).group_by(CampaignAttempt.result))).all()
        return {str(result): int(n) for result, n in rows if result is not None}

    async def live_answers_by_day(self, campaign_id: int, now: float, days: int = 30) -> list[tuple[float, int, int]]:
        """(day start, live answers, abandoned) per day over the last *days* days: seeds the 30-day cap."""
        since = _dt((now // DAY - days + 1) * DAY)
        async with self.db.session() as session:
            rows = (await session.execute(select(CampaignAttempt.answered_at, CampaignAttempt.result).where(
                CampaignAttempt.campaign_id == campaign_id, CampaignAttempt.answered_at >= since,
                CampaignAttempt.result.in_(("connected", "abandoned"))))).all()
        per_day: dict[float, list[int]] = {}
        for answered_at, result in rows:
            day = per_day.setdefault(float(answered_at.timestamp() // DAY * DAY), [0, 0])
            day[0] += 1
            day[1] += result == "abandoned"
        return [(d, v[0], v[1]) for d, v in sorted(per_day.items())]

    # callbacks ----------------------------------------------------------------------------------
    async def add_callback(self, campaign_id: int | None, contact: Contact, due_at: float, *,
                           agent: str | None = None, note: str = "", created_by: str | None = None) -> int:
        async with self.db.transaction() as session:
            await _write_lock(session)
            agent_pk = await session.scalar(select(Agent.id).where(Agent.login == agent)) if agent else None
            row = CallbackRow(campaign_id=campaign_id, contact_id=contact.id, number=contact.number,
                              customer_object=contact.customer_object, customer_key=contact.customer_key,
                              due_at=_dt(due_at), agent_id=agent_pk, note=note or None,
                              created_by=created_by or agent)
            session.add(row)
            await session.flush()
            return int(row.id)

    async def claim_due_callbacks(self, now: float, limit: int = 50) -> list[DueCallback]:
        async with self.db.session() as session:       # most turns find nothing: no write lock for that
            if await session.scalar(select(CallbackRow.id).where(
                    CallbackRow.status == "pending", CallbackRow.due_at <= _dt(now)).limit(1)) is None:
                return []
        async with self.db.transaction() as session:
            await _write_lock(session)
            rows = (await session.execute(
                select(CallbackRow, CampaignRow.name, Agent.login, CampaignContact)
                .outerjoin(CampaignRow, CampaignRow.id == CallbackRow.campaign_id)
                .outerjoin(Agent, Agent.id == CallbackRow.agent_id)
                .outerjoin(CampaignContact, CampaignContact.id == CallbackRow.contact_id)
                .where(CallbackRow.status == "pending", CallbackRow.due_at <= _dt(now))
                .order_by(CallbackRow.due_at, CallbackRow.id).limit(limit))).all()
            due = []
            for cb, campaign, login, contact_row in rows:
                cb.status = "dialing"
                contact = _contact(contact_row) if contact_row is not None else Contact(
                    0, cb.number, cb.customer_object, cb.customer_key)
                due.append(DueCallback(cb.id, campaign, contact, _ts(cb.due_at) or now, login, cb.note or ""))
            return due

    async def unclaim_callback(self, callback_id: int) -> None:
        async with self.db.transaction() as session:
            await _write_lock(session)
            await session.execute(update(CallbackRow).where(CallbackRow.id == callback_id).values(status="pending"))

    async def finish_callback(self, callback_id: int, status: str, at: float) -> None:
        async with self.db.transaction() as session:
            await _write_lock(session)
            await session.execute(update(CallbackRow).where(CallbackRow.id == callback_id)
                                  .values(status=status, done_at=_dt(at)))

    async def pending_callbacks(self, campaign_id: int | None = None) -> list[DueCallback]:
        async with self.db.session() as session:
            stmt = (select(CallbackRow, CampaignRow.name, Agent.login)
                    .outerjoin(CampaignRow, CampaignRow.id == CallbackRow.campaign_id)
                    .outerjoin(Agent, Agent.id == CallbackRow.agent_id)
                    .where(CallbackRow.status == "pending").order_by(CallbackRow.due_at))
            if campaign_id is not None:
                stmt = stmt.where(CallbackRow.campaign_id == campaign_id)
            rows = (await session.execute(stmt)).all()
        return [DueCallback(cb.id, name, Contact(cb.contact_id or 0, cb.number, cb.customer_object, cb.customer_key),
                            _ts(cb.due_at) or 0.0, login, cb.note or "") for cb, name, login in rows]

    # compliance look-ups and dispositions -------------------------------------------------------
    async def suppressed(self, number: str, channel: str = "phone") -> bool:
        """Is the number on the do-not-call (suppression) list for this channel or every channel?"""
        async with self.db.session() as session:
            found = await session.scalar(select(Suppression.id).where(
                Suppression.hash == address_hash(number),
                (Suppression.channel.is_(None)) | (Suppression.channel == channel)))
        return found is not None

    async def dispositions(self, campaign_id: int) -> list[dict[str, Any]]:
        async with self.db.session() as session:
            rows = (await session.scalars(select(DispositionRow).where(
                (DispositionRow.campaign_id == campaign_id) | (DispositionRow.campaign_id.is_(None))))).all()
        return [{"code": r.code, "label": r.label, "final": r.final, "retry": r.retry, "success": r.success,
                 "do_not_call": r.do_not_call} for r in rows]

    async def script_outcome(self, call_id: str) -> tuple[str, str | None] | None:
        """(status, outcome) of the agent script run on this call, if one was saved."""
        async with self.db.session() as session:
            row = (await session.execute(select(ScriptRun.status, ScriptRun.outcome).where(
                ScriptRun.call_id == call_id).order_by(ScriptRun.updated_at.desc()).limit(1))).first()
        return None if row is None else (row[0], row[1])
