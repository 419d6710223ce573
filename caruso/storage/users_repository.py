"""Web users and the audit log, for the auth service (caruso/auth/store.py's UserStore)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caruso.auth.errors import UserExists, UserNotFound
from caruso.auth.roles import Role
from caruso.auth.users import AuditEntry, User
from caruso.storage.database import Database
from caruso.storage.schema.acd import Agent
from caruso.storage.schema.web import AuditEntry as AuditRow
from caruso.storage.schema.web import User as UserRow

_UPDATABLE = {"role", "display_name", "agent_id", "active", "password_hash"}


class UsersRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _user(row: UserRow, login: str | None) -> User:
        return User(id=row.id, username=row.username, role=Role(row.role), display_name=row.display_name,
                    agent_id=login, active=row.enabled)

    def _query(self):  # type: ignore[no-untyped-def]
        return select(UserRow, Agent.login).outerjoin(Agent, Agent.id == UserRow.agent_id)

    async def _agent_pk(self, session: Any, login: str | None) -> int | None:
        if not login:
            return None
        pk = await session.scalar(select(Agent.id).where(Agent.login == login))
        if pk is None:
            raise UserNotFound(f"no agent with login {login!r}")
        return int(pk)

    async def find_user(self, username: str) -> tuple[User, str] | None:
        async with self.db.session() as session:
            found = (await session.execute(self._query().where(UserRow.username == username))).first()
        if found is None:
            return None
        row, login = found
        return self._user(row, login), row.password_hash

    async def get_user(self, user_id: int) -> User | None:
        async with self.db.session() as session:
            found = (await session.execute(self._query().where(UserRow.id == user_id))).first()
        return None if found is None else self._user(*found)

    async def list_users(self) -> list[User]:
        async with self.db.session() as session:
            rows = (await session.execute(self._query().order_by(UserRow.username))).all()
        return [self._user(row, login) for row, login in rows]

    async def create_user(self, *, username: str, role: Role, password_hash: str, display_name: str = "",
                          agent_id: str | None = None) -> User:
        try:
            async with self.db.transaction() as session:
                row = UserRow(username=username, role=role.value, password_hash=password_hash,
                              display_name=display_name, agent_id=await self._agent_pk(session, agent_id),
                              enabled=True)
                session.add(row)
                await session.flush()
        except IntegrityError as exc:
            raise UserExists(f"a user named {username!r} exists already") from exc
        return self._user(row, agent_id)

    async def update_user(self, user_id: int, **changes: Any) -> User:
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
        async with self.db.transaction() as session:
            row = await session.get(UserRow, user_id)
            if row is None:
                raise UserNotFound(f"no user with id {user_id}")
            for key, value in changes.items():
                if key == "role":
                    row.role = Role(value).value
                elif key == "agent_id":
                    row.agent_id = await self._agent_pk(session, value)
                elif key == "active":
                    row.enabled = bool(value)
                else:
                    setattr(row, key, value)
        found = await self.get_user(user_id)
        assert found is not None
        return found

    async def touch_login(self, user_id: int) -> None:
        async with self.db.transaction() as session:
            row = await session.get(UserRow, user_id)
            if row is not None:
                row.last_login_at = datetime.now(UTC)

    async def add_audit(self, entry: AuditEntry) -> AuditEntry:
        async with self.db.transaction() as session:
            row = AuditRow(at=datetime.fromtimestamp(entry.at, UTC), username=entry.actor, action=entry.action,
                           target_kind=entry.target_kind, target_id=entry.target_id, details=entry.details,
                           remote_addr=entry.remote_addr)
            session.add(row)
            await session.flush()
            return _audit(row)

    async def list_audit(self, *, limit: int = 100, before_id: int | None = None,
                         target_kind: str | None = None) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        if target_kind:
            query = query.where(AuditRow.target_kind == target_kind)
        async with self.db.session() as session:
            return [_audit(row) for row in (await session.scalars(query)).all()]


def _audit(row: AuditRow) -> AuditEntry:
    return AuditEntry(id=row.id, at=row.at.timestamp(), actor=row.username, action=row.action,
                      target_kind=row.target_kind, target_id=row.target_id, details=dict(row.details or {}),
                      remote_addr=row.remote_addr)
