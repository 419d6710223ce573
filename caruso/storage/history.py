"""Contact history: every interaction on a customer's timeline; read newest first, page by page.

Paging is by keyset (a cursor naming the last item seen), so a page stays correct while new interactions
are appended and deep pages cost no more than the first.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, insert, or_, select

from caruso.storage.database import Database
from caruso.storage.errors import StorageError
from caruso.storage.schema.contacts import ContactHistoryRow

Kind = Literal["inbound_call", "outbound_call", "voicemail", "agent_script", "self_service", "email", "callback",
               "sms"]
KINDS: frozenset[str] = frozenset(Kind.__args__)  # type: ignore[attr-defined]
CHANNELS = frozenset({"phone", "email", "sms", "web"})
CustomerRef = tuple[str, str]  # (business object name, key as text)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactEvent:
    """One interaction.  ``detail_kind``/``detail_ref`` link to its detail (recording path, script run id, ...)."""

    kind: str
    channel: str
    started_at: datetime
    customer: CustomerRef | None = None
    address: str | None = None  # the number or e-mail address used
    direction: str = "inbound"
    ended_at: datetime | None = None
    agent: str | None = None
    queue: str | None = None
    outcome: str | None = None
    summary: str | None = None
    detail_kind: str | None = None
    detail_ref: str | None = None
    call_id: str | None = None
    campaign_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TimelinePage:
    items: list[ContactEvent]
    next_cursor: str | None  # pass to timeline(cursor=...) for the next (older) page; None: no more


_COLUMNS = [f.name for f in fields(ContactEvent) if f.name not in ("customer", "id")]


def _row_values(event: ContactEvent) -> dict[str, Any]:
    if event.kind not in KINDS:
        raise StorageError(f"unknown contact kind {event.kind!r}; expected one of {', '.join(sorted(KINDS))}")
    if event.channel not in CHANNELS:
        raise StorageError(f"unknown channel {event.channel!r}; expected one of {', '.join(sorted(CHANNELS))}")
    if event.started_at.tzinfo is None:
        raise StorageError("started_at must be an aware datetime (UTC)")
    values = {name: getattr(event, name) for name in _COLUMNS}
    values["customer_object"], values["customer_key"] = event.customer or (None, None)
    return values


def _event(row: ContactHistoryRow) -> ContactEvent:
    customer = (row.customer_object, row.customer_key) if row.customer_object is not None else None
    return ContactEvent(customer=customer, id=row.id, **{name: getattr(row, name) for name in _COLUMNS})


def _cursor(event: ContactEvent) -> str:
    return f"{event.started_at.isoformat()}|{event.id}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at, _, ident = cursor.rpartition("|")
        return datetime.fromisoformat(at), int(ident)
    except ValueError:
        raise StorageError(f"not a timeline cursor: {cursor!r}") from None


class ContactHistory:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(self, event: ContactEvent) -> ContactEvent:
        """Store *event*; returns it with its id."""
        values = _row_values(event)
        async with self.db.connect() as conn:
            new_id = (await conn.execute(insert(ContactHistoryRow).values(values)
                                         .returning(ContactHistoryRow.id))).scalar_one()
        return ContactEvent(**{**{f.name: getattr(event, f.name) for f in fields(ContactEvent)}, "id": new_id})

    async def append_many(self, events: list[ContactEvent]) -> int:
        rows = [_row_values(e) for e in events]
        if rows:
            async with self.db.connect() as conn:
                await conn.execute(insert(ContactHistoryRow), rows)
        return len(rows)

    async def timeline(self, customer: CustomerRef, *, limit: int = 20, cursor: str | None = None,
                       address: str | None = None) -> TimelinePage:
        """*customer*'s interactions newest first (with *address*: also those only linked to that number)."""
        if limit < 1:
            raise StorageError("limit must be at least 1")
        row = ContactHistoryRow
        who = and_(row.customer_object == customer[0], row.customer_key == str(customer[1]))
        if address is not None:
            who = or_(who, and_(row.customer_object.is_(None), row.address == address))
        stmt = select(row).where(who)
        if cursor is not None:
            at, ident = _parse_cursor(cursor)
            stmt = stmt.where(or_(row.started_at < at, and_(row.started_at == at, row.id < ident)))
        stmt = stmt.order_by(row.started_at.desc(), row.id.desc()).limit(limit + 1)
        async with self.db.session() as session:
            rows = (await session.scalars(stmt)).all()
        items = [_event(r) for r in rows[:limit]]
        return TimelinePage(items, _cursor(items[-1]) if len(rows) > limit else None)

    async def get(self, event_id: int) -> ContactEvent | None:
        async with self.db.session() as session:
            found = await session.get(ContactHistoryRow, event_id)
        return None if found is None else _event(found)
