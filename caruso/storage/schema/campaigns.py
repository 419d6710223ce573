"""Outbound campaigns: campaigns, their contacts and attempts, dispositions and callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caruso.storage.schema.base import Base, BigId, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(16), default="preview")  # preview | progressive | predictive
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | running | paused | finished
    purpose: Mapped[str] = mapped_column(String(32), default="service")  # consent purpose: service | marketing
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    script: Mapped[str | None] = mapped_column(String(200))  # agent script name
    caller_id: Mapped[str | None] = mapped_column(String(64))
    # {"start": "09:00", "end": "20:00", "days": [0..6], "timezone": "Europe/Paris"}
    calling_window: Mapped[dict[str, Any]] = mapped_column(default=dict)
    max_attempts: Mapped[int] = mapped_column(default=3)
    retry_delay_seconds: Mapped[int] = mapped_column(default=3600)
    abandon_cap: Mapped[float] = mapped_column(default=0.03)  # share of answered calls abandoned
    pacing_ratio: Mapped[float] = mapped_column(default=1.0)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class CampaignContact(Base):
    __tablename__ = "campaign_contacts"
    __table_args__ = (Index(None, "campaign_id", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_object: Mapped[str | None] = mapped_column(String(64))
    customer_key: Mapped[str | None] = mapped_column(String(128))
    number: Mapped[str] = mapped_column(String(64))  # E.164
    # pending | in_progress | done | failed | do_not_call | callback
    status: Mapped[str] = mapped_column(String(16), default="pending")
    priority: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_disposition: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # extra fields shown to the agent


class CampaignAttempt(Base):
    __tablename__ = "campaign_attempts"
    __table_args__ = (Index(None, "campaign_id", "started_at"), Index(None, "contact_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("campaign_contacts.id", ondelete="CASCADE"))
    call_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    number: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # answered | no_answer | busy | failed | abandoned | machine | blocked_consent
    result: Mapped[str | None] = mapped_column(String(32))
    disposition: Mapped[str | None] = mapped_column(String(64))


class Disposition(Base):
    """A wrap-up code an agent picks after a campaign call (campaign_id NULL: available everywhere)."""

    __tablename__ = "dispositions"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    final: Mapped[bool] = mapped_column(default=True)  # closes the contact
    retry: Mapped[bool] = mapped_column(default=False)
    success: Mapped[bool] = mapped_column(default=False)
    do_not_call: Mapped[bool] = mapped_column(default=False)  # records an opt-out


class Callback(Base):
    __tablename__ = "callbacks"
    __table_args__ = (Index(None, "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_contacts.id", ondelete="SET NULL"))
    customer_object: Mapped[str | None] = mapped_column(String(64))
    customer_key: Mapped[str | None] = mapped_column(String(128))
    number: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))  # personal
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | cancelled | failed
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
