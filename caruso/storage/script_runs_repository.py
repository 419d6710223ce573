"""Dialog-script runs (agent desktop and other hosts): saved at each step so a run can be resumed and
reports can count outcomes and paths."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from caruso.storage.database import Database
from caruso.storage.schema.acd import Agent
from caruso.storage.schema.scripts import ScriptRun


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptRunRecord:
    id: str
    script: str
    script_version: str | None
    host: str                        # agent | web | ivr
    status: str                      # running | finished | aborted
    state: dict[str, Any]
    trace: list[Any]
    outcome: str | None = None
    call_id: str | None = None
    agent: str | None = None         # agent login
    customer: tuple[str, str] | None = None
    session: str | None = None


class ScriptRunsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, record: ScriptRunRecord) -> None:
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            agent_id = None
            if record.agent:
                agent_id = await session.scalar(select(Agent.id).where(Agent.login == record.agent))
            row = await session.get(ScriptRun, record.id)
            if row is None:
                row = ScriptRun(id=record.id, script=record.script, host=record.host, started_at=now)
                session.add(row)
            row.script_version = record.script_version
            row.status, row.state, row.trace, row.outcome = record.status, record.state, record.trace, record.outcome
            row.call_id, row.agent_id, row.session = record.call_id, agent_id, record.session
            row.customer_object, row.customer_key = record.customer or (None, None)
            row.updated_at = now
            if record.status != "running" and row.ended_at is None:
                row.ended_at = now
