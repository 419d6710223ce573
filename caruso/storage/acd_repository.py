"""The ACD's persistence: queue and agent definitions as domain objects, and the agent state log.

Queues are named by ``queues.name`` (the ACD's queue id), agents by ``agents.login`` (the agent id).
Disabled queues and agents are left out.  Editing goes through ``AdminRepository`` (names, skills,
memberships); this module reads what the ACD needs and writes what it records.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from caruso.acd.convert import agent_from_data, queue_from_data
from caruso.acd.errors import AcdConfigError
from caruso.acd.model import AgentConfig, QueueConfig
from caruso.storage.database import Database
from caruso.storage.schema.acd import Agent, AgentSkill, AgentStateLog, Queue, QueueMember, QueueSkill, Skill


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


class AcdRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._agent_ids: dict[str, int] = {}
        self.problems: list[str] = []

    async def load(self) -> tuple[list[QueueConfig], list[AgentConfig]]:
        """Every enabled queue and agent, validated; an invalid definition is left out and described in
        ``problems`` (one bad row never stops the others)."""
        async with self.db.session() as s:
            queues = (await s.scalars(select(Queue).where(Queue.enabled.is_(True)).order_by(Queue.name))).all()
            queue_skills = (await s.execute(select(QueueSkill.queue_id, Skill.name, QueueSkill.min_level)
                                            .join(Skill, Skill.id == QueueSkill.skill_id))).all()
            agents = (await s.scalars(select(Agent).where(Agent.enabled.is_(True)).order_by(Agent.login))).all()
            agent_skills = (await s.execute(select(AgentSkill.agent_id, Skill.name, AgentSkill.level)
                                            .join(Skill, Skill.id == AgentSkill.skill_id))).all()
            members = (await s.execute(select(QueueMember.agent_id, Queue.name, QueueMember.penalty)
                                       .join(Queue, Queue.id == QueueMember.queue_id)
                                       .where(Queue.enabled.is_(True))
                                       .order_by(QueueMember.agent_id, Queue.name))).all()
        skills_of_queue: dict[int, dict[str, int]] = {}
        for queue_id, skill, level in queue_skills:
            skills_of_queue.setdefault(queue_id, {})[skill] = level
        skills_of_agent: dict[int, dict[str, int]] = {}
        for agent_id, skill, level in agent_skills:
            skills_of_agent.setdefault(agent_id, {})[skill] = level
        queues_of_agent: dict[int, dict[str, int]] = {}
        for agent_id, queue, penalty in members:
            queues_of_agent.setdefault(agent_id, {})[queue] = penalty
        self.problems = []
        queue_configs = []
        for q in queues:
            try:
                queue_configs.append(queue_from_data(q.name, name=q.label or q.name, strategy=q.strategy,
                                                     skills=skills_of_queue.get(q.id), settings=q.settings))
            except AcdConfigError as exc:
                self.problems.append(f"queue {q.name!r} left out: {exc}")
        self._agent_ids = {a.login: a.id for a in agents}
        agent_configs = []
        for a in agents:
            try:
                agent_configs.append(agent_from_data(
                    a.login, name=a.name, phone=a.extension or a.phone or "", skills=skills_of_agent.get(a.id),
                    queues=queues_of_agent.get(a.id), wrap_up=a.wrapup_seconds or 0,
                    order=int((a.settings or {}).get("order", 0))))
            except (AcdConfigError, TypeError, ValueError) as exc:
                self.problems.append(f"agent {a.login!r} left out: {exc}")
        return queue_configs, agent_configs

    async def set_order(self, login: str, order: int) -> None:
        """The agent's place in linear (fixed order) queues, kept in ``agents.settings``."""
        async with self.db.transaction() as s:
            agent = await s.scalar(select(Agent).where(Agent.login == login))
            if agent is None:
                raise LookupError(f"no agent {login!r}")
            agent.settings = {**(agent.settings or {}), "order": int(order)}

    async def log_states(self, changes: list[tuple[str, str, str, float]]) -> None:
        """Record state periods: each (agent login, new state, reason, at) closes the agent's open period
        and opens a new one.  Unknown logins are skipped (the agent was removed meanwhile)."""
        if not changes:
            return
        missing = {login for login, *_ in changes} - self._agent_ids.keys()
        async with self.db.transaction() as s:
            if missing:
                rows = await s.execute(select(Agent.login, Agent.id).where(Agent.login.in_(missing)))
                self._agent_ids.update({login: agent_id for login, agent_id in rows})
            for login, state, reason, at in changes:
                agent_id = self._agent_ids.get(login)
                if agent_id is None:
                    continue
                when = _utc(at)
                await s.execute(update(AgentStateLog)
                                .where(AgentStateLog.agent_id == agent_id, AgentStateLog.ended_at.is_(None))
                                .values(ended_at=when))
                if state != "logged_out":
                    s.add(AgentStateLog(agent_id=agent_id, state=state, reason=reason or None, started_at=when))
                await s.flush()

    async def close_open_periods(self, at: float) -> None:
        """At start-up every agent is logged out: close periods a previous run left open."""
        async with self.db.transaction() as s:
            await s.execute(update(AgentStateLog).where(AgentStateLog.ended_at.is_(None)).values(ended_at=_utc(at)))

    async def state_log(self, login: str) -> list[tuple[str, str | None, datetime, datetime | None]]:
        async with self.db.session() as s:
            rows = await s.execute(select(AgentStateLog.state, AgentStateLog.reason, AgentStateLog.started_at,
                                          AgentStateLog.ended_at)
                                   .join(Agent, Agent.id == AgentStateLog.agent_id)
                                   .where(Agent.login == login).order_by(AgentStateLog.id))
            return [tuple(r) for r in rows]  # type: ignore[misc]
