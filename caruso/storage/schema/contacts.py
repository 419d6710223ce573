"""Contact history, consent and the suppression list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from caruso.storage.schema.base import Base, BigId, utcnow


class ContactHistoryRow(Base):
    """One interaction on a customer's timeline."""

    __tablename__ = "contact_history"
    __table_args__ = (Index(None, "customer_object", "customer_key", "started_at", "id"),
                      Index(None, "address", "started_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_object: Mapped[str | None] = mapped_column(String(64))
    customer_key: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(254))  # number (E.164) or e-mail address
    # inbound_call | outbound_call | voicemail | agent_script | self_service | email | callback | sms
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # phone | email | sms | web
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    agent: Mapped[str | None] = mapped_column(String(64))  # agent login, as it was then
    queue: Mapped[str | None] = mapped_column(String(64))  # queue name, as it was then
    outcome: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)
    # link to the detail: recording | script_run | voicemail | email | call, and its id or path
    detail_kind: Mapped[str | None] = mapped_column(String(32))
    detail_ref: Mapped[str | None] = mapped_column(String(500))
    call_id: Mapped[str | None] = mapped_column(String(64))
    campaign_id: Mapped[int | None]


class ConsentRow(Base):
    """One consent decision (or a pending double opt-in) for a customer or one number/address."""

    __tablename__ = "consents"
    __table_args__ = (Index(None, "customer_object", "customer_key"), Index(None, "address"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_object: Mapped[str | None] = mapped_column(String(64))
    customer_key: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(254))  # normalised number or lower-case e-mail
    channel: Mapped[str] = mapped_column(String(16))  # phone | email | sms
    purpose: Mapped[str] = mapped_column(String(32))  # service | marketing
    status: Mapped[str] = mapped_column(String(16))  # opt_in | opt_out | pending
    source: Mapped[str] = mapped_column(String(100))  # web form, agent, import, IVR, ...
    proof: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]  # when the decision takes effect (confirmation time for double opt-in)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # double opt-in: sha256 of the token mailed/texted to the subject, and when the request lapses
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]


class Suppression(Base):
    """A number or address nobody may contact, kept only as a hash (survives erasure of the customer)."""

    __tablename__ = "suppression_list"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the normalised address
    channel: Mapped[str | None] = mapped_column(String(16))  # None: every channel
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
