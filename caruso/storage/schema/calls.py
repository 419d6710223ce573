"""Call records, call legs and voicemail (written by telephony/ACD, read by reports and the desktop)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from caruso.storage.schema.base import Base, BigId, utcnow


class Call(Base):
    """One customer call from arrival to hang-up, across IVR, queue, agent(s) and voicemail."""

    __tablename__ = "calls"
    __table_args__ = (Index(None, "arrived_at"), Index(None, "queue_id", "arrived_at"),
                      Index(None, "agent_id", "arrived_at"), Index(None, "caller_number"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the switch's call id (uuid)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")  # inbound | outbound | internal
    caller_number: Mapped[str | None] = mapped_column(String(64))
    caller_name: Mapped[str | None] = mapped_column(String(200))
    called_number: Mapped[str | None] = mapped_column(String(64))
    # the identified customer (business object name and key)
    customer_object: Mapped[str | None] = mapped_column(String(64))
    customer_key: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    arrived_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_seconds: Mapped[float | None]
    talk_seconds: Mapped[float | None]
    hangup_by: Mapped[str | None] = mapped_column(String(16))  # caller | agent | system
    # answered | abandoned | voicemail | transferred | overflow | failed | busy | no_answer | ivr
    outcome: Mapped[str | None] = mapped_column(String(32))
    transferred_to: Mapped[str | None] = mapped_column(String(200))
    recording_path: Mapped[str | None] = mapped_column(String(500))


class CallLeg(Base):
    """One party's part of a call: the caller, each agent offered or bridged, a transfer target."""

    __tablename__ = "call_legs"
    __table_args__ = (Index(None, "call_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # caller | agent | transfer | outbound
    channel: Mapped[str | None] = mapped_column(String(200))  # the switch's channel/leg id
    peer: Mapped[str | None] = mapped_column(String(200))  # number or SIP URI
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    hangup_by: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32))


class Voicemail(Base):
    __tablename__ = "voicemails"
    __table_args__ = (Index(None, "mailbox", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(64))  # "queue:<name>" or "agent:<login>"
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    listened: Mapped[bool] = mapped_column(default=False)
    listened_at: Mapped[datetime | None]
    listened_by: Mapped[str | None] = mapped_column(String(64))
    notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
