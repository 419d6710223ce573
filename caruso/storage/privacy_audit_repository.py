"""The audit log searched for admins and exported (the table and its writer are the auth service's:
caruso/storage/users_repository.py).  Read-only: the audit log is append-only (a trigger refuses changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from caruso.auth.users import AuditEntry
from caruso.storage.database import Database
from caruso.storage.schema.web import AuditEntry as AuditRow
from caruso.storage.users_repository import _audit


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None          # exact, or a prefix ending in "." ("customer." = every customer action)
    target_kind: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None       # paging: entries older than this id
    limit: int = 100


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, f: AuditFilter) -> list[AuditEntry]:
        """Newest first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(f.limit)
        if f.actor:
            query = query.where(AuditRow.username == f.actor)
        if f.action:
            query = query.where(AuditRow.action.startswith(f.action, autoescape=True) if f.action.endswith(".")
                                else AuditRow.action == f.action)
        if f.target_kind:
            query = query.where(AuditRow.target_kind == f.target_kind)
        if f.target_id:
            query = query.where(AuditRow.target_id == f.target_id)
        if f.since:
            query = query.where(AuditRow.at >= f.since)
        if f.until:
            query = query.where(AuditRow.at < f.until)
        if f.before_id is not None:
            query = query.where(AuditRow.id < f.before_id)
        async with self.db.session() as session:
            return [_audit(row) for row in (await session.scalars(query)).all()]


__all__ = ["AuditFilter", "AuditRepository"]
