"""Reads the records reports are computed from, for one period (calls by the time they joined a queue,
agent state periods overlapping it, voicemails left in it, script runs started in it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select

from caruso.reports.facts import CallFacts, Period, ReportFacts, ScriptRunFacts, StatePeriod, VoicemailFacts
from caruso.reports.metrics import DEFAULT_SL_SECONDS
from caruso.storage.database import Database
from caruso.storage.schema.acd import Agent, AgentStateLog, Queue
from caruso.storage.schema.calls import Call, Voicemail
from caruso.storage.schema.scripts import ScriptRun


def _path(trace: list[Any]) -> tuple[str, ...]:
    steps = []
    for item in trace or []:
        step = item.get("step") if isinstance(item, dict) else item if isinstance(item, str) else None
        if step and (not steps or steps[-1] != step):
            steps.append(str(step))
    return tuple(steps)


class ReportsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def facts(self, period: Period, *, queue: str | None = None, agent: str | None = None) -> ReportFacts:
        start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
        async with self.db.session() as session:
            queues = {row.name: row for row in (await session.scalars(select(Queue))).all()}
            sl = {name: float((row.settings or {}).get("service_level_seconds", DEFAULT_SL_SECONDS))
                  for name, row in queues.items()}
            q_calls = (select(Call, Queue.name, Agent.login)
                       .join(Queue, Queue.id == Call.queue_id)
                       .outerjoin(Agent, Agent.id == Call.agent_id)
                       .where(Call.queued_at >= start, Call.queued_at < end))
            if queue:
                q_calls = q_calls.where(Queue.name == queue)
            if agent:
                q_calls = q_calls.where(Agent.login == agent)
            calls = [CallFacts(queue=qname, outcome=c.outcome, queued=True, answered=c.answered_at is not None,
                               wait=c.wait_seconds, talk=c.talk_seconds, ended=c.ended_at is not None, agent=login)
                     for c, qname, login in (await session.execute(q_calls)).all()]
            q_states = (select(AgentStateLog, Agent.login).join(Agent, Agent.id == AgentStateLog.agent_id)
                        .where(AgentStateLog.started_at < end,
                               or_(AgentStateLog.ended_at.is_(None), AgentStateLog.ended_at > start))
                        .order_by(AgentStateLog.started_at))
            if agent:
                q_states = q_states.where(Agent.login == agent)
            states = [StatePeriod(login, s.state, s.reason, s.started_at, s.ended_at)
                      for s, login in (await session.execute(q_states)).all()]
            q_vm = select(Voicemail).where(and_(Voicemail.created_at >= start, Voicemail.created_at < end))
            if queue:
                q_vm = q_vm.where(Voicemail.mailbox == f"queue:{queue}")
            voicemails = [VoicemailFacts(v.mailbox, v.listened) for v in (await session.scalars(q_vm)).all()]
            q_runs = select(ScriptRun).where(ScriptRun.started_at >= start, ScriptRun.started_at < end)
            scripts = [ScriptRunFacts(r.script, r.outcome, r.status, _path(r.trace))
                       for r in (await session.scalars(q_runs)).all()]
        return ReportFacts(period, calls, states, voicemails, scripts, sl, now=datetime.now(UTC))
