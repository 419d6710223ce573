"""Agents, queues and skills as the admin pages edit them (plain dicts in, plain dicts out).

Agents are named by login, queues and skills by name; memberships and skill levels are replaced as a
whole on each save.  Unknown references raise AdminInputError naming them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from caruso.storage.database import Database
from caruso.storage.errors import StorageError
from caruso.storage.schema.acd import Agent, AgentSkill, Queue, QueueMember, QueueSkill, Skill


class AdminInputError(StorageError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.details = {"field": field} if field else None


class AdminNotFound(StorageError):
    pass


class AdminRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # skills --------------------------------------------------------------------------------------
    async def skills(self) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            return [{"name": k.name, "description": k.description}
                    for k in (await s.scalars(select(Skill).order_by(Skill.name))).all()]

    async def save_skill(self, name: str, description: str = "") -> dict[str, Any]:
        if not name.strip():
            raise AdminInputError("a skill needs a name", "name")
        async with self.db.transaction() as s:
            row = await s.scalar(select(Skill).where(Skill.name == name))
            if row is None:
                s.add(Skill(name=name, description=description))
            else:
                row.description = description
        return {"name": name, "description": description}

    async def delete_skill(self, name: str) -> None:
        async with self.db.transaction() as s:
            result = await s.execute(delete(Skill).where(Skill.name == name))
            if not result.rowcount:
                raise AdminNotFound(f"no skill {name!r}")

    # agents --------------------------------------------------------------------------------------
    async def agents(self) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(Agent).order_by(Agent.login))).all()
            skills = (await s.execute(select(AgentSkill.agent_id, Skill.name, AgentSkill.level)
                                      .join(Skill, Skill.id == AgentSkill.skill_id))).all()
            members = (await s.execute(select(QueueMember.agent_id, Queue.name, QueueMember.penalty)
                                       .join(Queue, Queue.id == QueueMember.queue_id))).all()
        out = []
        for a in rows:
            out.append({"login": a.login, "name": a.name, "extension": a.extension, "phone": a.phone,
                        "email": a.email, "enabled": a.enabled, "wrapup_seconds": a.wrapup_seconds,
                        "skills": {n: lvl for aid, n, lvl in skills if aid == a.id},
                        "queues": {n: pen for aid, n, pen in members if aid == a.id}})
        return out

    async def save_agent(self, data: dict[str, Any]) -> dict[str, Any]:
        login = str(data.get("login", "")).strip()
        if not login:
            raise AdminInputError("an agent needs a login", "login")
        async with self.db.transaction() as s:
            row = await s.scalar(select(Agent).where(Agent.login == login))
            if row is None:
                row = Agent(login=login)
                s.add(row)
            for key in ("name", "extension", "phone", "email"):
                if key in data:
                    setattr(row, key, data[key] or ("" if key == "name" else None))
            if "enabled" in data:
                row.enabled = bool(data["enabled"])
            if "wrapup_seconds" in data:
                row.wrapup_seconds = None if data["wrapup_seconds"] in (None, "") else int(data["wrapup_seconds"])
            await s.flush()
            if "skills" in data:
                await s.execute(delete(AgentSkill).where(AgentSkill.agent_id == row.id))
                for name, level in dict(data["skills"]).items():
                    s.add(AgentSkill(agent_id=row.id, skill_id=await self._skill_id(s, name), level=int(level)))
            if "queues" in data:
                await s.execute(delete(QueueMember).where(QueueMember.agent_id == row.id))
                for name, penalty in dict(data["queues"]).items():
                    s.add(QueueMember(agent_id=row.id, queue_id=await self._queue_id(s, name), penalty=int(penalty)))
        return next(a for a in await self.agents() if a["login"] == login)

    async def delete_agent(self, login: str) -> None:
        async with self.db.transaction() as s:
            result = await s.execute(delete(Agent).where(Agent.login == login))
            if not result.rowcount:
                raise AdminNotFound(f"no agent {login!r}")

    # queues --------------------------------------------------------------------------------------
    async def queues(self) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(Queue).order_by(Queue.name))).all()
            skills = (await s.execute(select(QueueSkill.queue_id, Skill.name, QueueSkill.min_level)
                                      .join(Skill, Skill.id == QueueSkill.skill_id))).all()
        return [{"name": q.name, "label": q.label, "strategy": q.strategy, "priority": q.priority,
                 "enabled": q.enabled, "settings": dict(q.settings or {}),
                 "skills": {n: lvl for qid, n, lvl in skills if qid == q.id}} for q in rows]

    async def save_queue(self, data: dict[str, Any]) -> dict[str, Any]:
        name = str(data.get("name", "")).strip()
        if not name:
            raise AdminInputError("a queue needs a name", "name")
        async with self.db.transaction() as s:
            row = await s.scalar(select(Queue).where(Queue.name == name))
            if row is None:
                row = Queue(name=name)
                s.add(row)
            for key in ("label", "strategy"):
                if key in data:
                    setattr(row, key, str(data[key] or ""))
            if "priority" in data:
                row.priority = int(data["priority"] or 0)
            if "enabled" in data:
                row.enabled = bool(data["enabled"])
            if "settings" in data:
                if not isinstance(data["settings"], dict):
                    raise AdminInputError("settings must be an object", "settings")
                row.settings = dict(data["settings"])
            await s.flush()
            if "skills" in data:
                await s.execute(delete(QueueSkill).where(QueueSkill.queue_id == row.id))
                for skill, level in dict(data["skills"]).items():
                    s.add(QueueSkill(queue_id=row.id, skill_id=await self._skill_id(s, skill), min_level=int(level)))
        return next(q for q in await self.queues() if q["name"] == name)

    async def delete_queue(self, name: str) -> None:
        try:
            async with self.db.transaction() as s:
                result = await s.execute(delete(Queue).where(Queue.name == name))
                if not result.rowcount:
                    raise AdminNotFound(f"no queue {name!r}")
        except IntegrityError as exc:
            raise AdminInputError(f"queue {name!r} is still referenced: {exc.orig}") from exc

    # helpers -------------------------------------------------------------------------------------
    async def _skill_id(self, s: Any, name: str) -> int:
        found = await s.scalar(select(Skill.id).where(Skill.name == name))
        if found is None:
            raise AdminInputError(f"no skill {name!r}; create it first", "skills")
        return int(found)

    async def _queue_id(self, s: Any, name: str) -> int:
        found = await s.scalar(select(Queue.id).where(Queue.name == name))
        if found is None:
            raise AdminInputError(f"no queue {name!r}", "queues")
        return int(found)
