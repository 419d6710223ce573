"""Consent: opt-in / opt-out per customer or per number/address, per channel and purpose, with proof.

Rules of ``decide`` (one answer for the whole system; nothing is cached, so a withdrawal counts at once):
1. an address on the suppression list may not be contacted (on that channel, or any if none given);
2. per scope (the customer, each of its numbers/addresses) the latest decision in force at *at* counts;
   pending double opt-ins count only from their confirmation; at equal times an opt-out beats an opt-in;
3. if any scope's latest decision is an opt-out, the answer is no (opt-out wins);
4. otherwise an opt-in anywhere means yes;
5. with no decision at all, the purpose's default: service yes, marketing no.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, or_, select

from caruso.storage.database import Database
from caruso.storage.errors import ConsentError
from caruso.storage.schema.base import utcnow
from caruso.storage.schema.contacts import ConsentRow, Suppression

Channel = Literal["phone", "email", "sms"]
Purpose = Literal["service", "marketing"]
CHANNELS = ("phone", "email", "sms")
PURPOSES = ("service", "marketing")
DEFAULTS: dict[str, bool] = {"service": True, "marketing": False}
CustomerRef = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    id: int
    customer: CustomerRef | None
    address: str | None
    channel: str
    purpose: str
    status: str  # opt_in | opt_out | pending
    source: str
    proof: str | None
    recorded_at: datetime
    expires_at: datetime | None = None
    confirmed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContactDecision:
    allowed: bool
    reason: str
    record: ConsentRecord | None = None


def address_hash(address: str) -> str:
    """What the suppression list keeps of a normalised number or address."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


def _record(row: ConsentRow) -> ConsentRecord:
    customer = (row.customer_object, row.customer_key) if row.customer_object is not None else None
    return ConsentRecord(row.id, customer, row.address, row.channel, row.purpose, row.status, row.source,
                         row.proof, row.recorded_at, row.expires_at, row.confirmed_at)


def _check(channel: str, purpose: str) -> None:
    if channel not in CHANNELS:
        raise ConsentError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    if purpose not in PURPOSES:
        raise ConsentError(f"unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")


class ConsentRegistry:
    """Consent records over the system schema.  Subjects are customer refs and/or normalised addresses."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, *, customer: CustomerRef | None, address: str | None, channel: str, purpose: str,
                     status: Literal["opt_in", "opt_out"], source: str, proof: str | None = None,
                     at: datetime | None = None) -> ConsentRecord:
        _check(channel, purpose)
        if status not in ("opt_in", "opt_out"):
            raise ConsentError(f"status must be opt_in or opt_out, not {status!r}")
        if customer is None and address is None:
            raise ConsentError("a consent needs a customer or an address")
        row = ConsentRow(customer_object=customer[0] if customer else None,
                         customer_key=str(customer[1]) if customer else None, address=address, channel=channel,
                         purpose=purpose, status=status, source=source, proof=proof, recorded_at=at or utcnow())
        async with self.db.transaction() as session:
            session.add(row)
        return _record(row)

    async def request(self, *, customer: CustomerRef | None, address: str | None, channel: str, purpose: str,
                      source: str, proof: str | None = None, at: datetime | None = None,
                      valid_for: timedelta = timedelta(days=7)) -> tuple[ConsentRecord, str]:
        """A double opt-in: pending until ``confirm(token)``.  Returns the record and the token to send."""
        _check(channel, purpose)
        if customer is None and address is None:
            raise ConsentError("a consent needs a customer or an address")
        token = secrets.token_urlsafe(24)
        now = at or utcnow()
        row = ConsentRow(customer_object=customer[0] if customer else None,
                         customer_key=str(customer[1]) if customer else None, address=address, channel=channel,
                         purpose=purpose, status="pending", source=source, proof=proof, recorded_at=now,
                         token_hash=hashlib.sha256(token.encode()).hexdigest(), expires_at=now + valid_for)
        async with self.db.transaction() as session:
            session.add(row)
        return _record(row), token

    async def confirm(self, token: str, *, at: datetime | None = None, proof: str | None = None) -> ConsentRecord:
        """Confirm a pending double opt-in: it becomes an opt-in in force from *at*."""
        now = at or utcnow()
        digest = hashlib.sha256(token.encode()).hexdigest()
        async with self.db.transaction() as session:
            row = (await session.scalars(select(ConsentRow).where(ConsentRow.token_hash == digest))).first()
            if row is None or row.status != "pending":
                raise ConsentError("unknown or already used confirmation token")
            if row.expires_at is not None and row.expires_at < now:
                raise ConsentError("the confirmation token has expired; ask again")
            row.status, row.recorded_at, row.confirmed_at = "opt_in", now, now
            row.token_hash = None
            if proof:
                row.proof = f"{row.proof}\n{proof}" if row.proof else proof
        return _record(row)

    async def records(self, customers: Sequence[CustomerRef] = (), addresses: Sequence[str] = (), *,
                      channel: str | None = None, purpose: str | None = None) -> list[ConsentRecord]:
        """Every record about these subjects, oldest first (pending ones included)."""
        who = _subjects(customers, addresses)
        if who is None:
            return []
        stmt = select(ConsentRow).where(who)
        if channel:
            stmt = stmt.where(ConsentRow.channel == channel)
        if purpose:
            stmt = stmt.where(ConsentRow.purpose == purpose)
        async with self.db.session() as session:
            rows = (await session.scalars(stmt.order_by(ConsentRow.recorded_at, ConsentRow.id))).all()
        return [_record(r) for r in rows]

    async def decide(self, customers: Sequence[CustomerRef], addresses: Sequence[str], channel: str, purpose: str,
                     at: datetime | None = None) -> ContactDecision:
        _check(channel, purpose)
        at = at or utcnow()
        hashes = [address_hash(a) for a in addresses]
        async with self.db.session() as session:
            if hashes:
                suppressed = (await session.scalars(select(Suppression).where(
                    Suppression.hash.in_(hashes),
                    or_(Suppression.channel.is_(None), Suppression.channel == channel)))).first()
                if suppressed is not None:
                    return ContactDecision(False, "on the suppression list")
            who = _subjects(customers, addresses)
            rows = [] if who is None else (await session.scalars(select(ConsentRow).where(
                who, ConsentRow.channel == channel, ConsentRow.purpose == purpose,
                ConsentRow.status.in_(("opt_in", "opt_out")), ConsentRow.recorded_at <= at))).all()
        return _verdict([_record(r) for r in rows], purpose)

    async def suppress(self, address: str, *, channel: str | None = None, reason: str | None = None) -> None:
        digest = address_hash(address)
        async with self.db.transaction() as session:
            exists = (await session.scalars(select(Suppression).where(Suppression.hash == digest))).first()
            if exists is None:
                session.add(Suppression(hash=digest, channel=channel, reason=reason))
            elif exists.channel is not None and exists.channel != channel:
                exists.channel = None  # suppressed on two channels: every channel


def _subjects(customers: Iterable[CustomerRef], addresses: Iterable[str]):  # type: ignore[no-untyped-def]
    parts = [and_(ConsentRow.customer_object == obj, ConsentRow.customer_key == str(key)) for obj, key in customers]
    addresses = list(addresses)
    if addresses:
        parts.append(ConsentRow.address.in_(addresses))
    return or_(*parts) if parts else None


def _verdict(records: list[ConsentRecord], purpose: str) -> ContactDecision:
    """The pure rule: latest per scope, opt-out wins (see the module docstring)."""
    latest: dict[object, ConsentRecord] = {}
    for rec in records:
        scope = ("customer", rec.customer) if rec.customer is not None else ("address", rec.address)
        best = latest.get(scope)
        if best is None or (rec.recorded_at, rec.status == "opt_out", rec.id) > \
                (best.recorded_at, best.status == "opt_out", best.id):
            latest[scope] = rec
    outs = [r for r in latest.values() if r.status == "opt_out"]
    if outs:
        return ContactDecision(False, f"opted out ({outs[0].source})", outs[0])
    ins = [r for r in latest.values() if r.status == "opt_in"]
    if ins:
        return ContactDecision(True, f"opted in ({ins[0].source})", ins[0])
    allowed = DEFAULTS[purpose]
    return ContactDecision(allowed, f"no consent recorded; {purpose} is {'allowed' if allowed else 'not allowed'} "
                                    "by default")
