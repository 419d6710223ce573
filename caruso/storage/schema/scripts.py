"""Dialog-script runs (agent desktop, web self-service, IVR): resumable state and the trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from caruso.storage.schema.base import Base, utcnow


class ScriptRun(Base):
    __tablename__ = "script_runs"
    __table_args__ = (Index(None, "customer_object", "customer_key"), Index(None, "started_at"),
                      Index(None, "call_id"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # uuid
    script: Mapped[str] = mapped_column(String(200))
    script_version: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(16))  # agent | web | ivr
    customer_object: Mapped[str | None] = mapped_column(String(64))
    customer_key: Mapped[str | None] = mapped_column(String(128))
    call_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None]
    session: Mapped[str | None] = mapped_column(String(128))  # web session of a self-service run
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | finished | aborted
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the interpreter state, to resume
    trace: Mapped[list[Any]] = mapped_column(default=list)  # steps taken, answers, effects
    outcome: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
