"""The audit log is append-only (the database refuses changes) and searchable; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from caruso.privacy import audit
from caruso.storage.privacy_audit_repository import AuditFilter, AuditRepository
from caruso.storage.schema import AuditEntry as AuditRow
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend


async def test_append_only_and_search(backend: Backend) -> None:
    storage = StorageManager.standalone(backend.config())
    async with storage.lifespan():
        await audit.append(storage, "bob", audit.CUSTOMER_VIEW, "Customer:2", {"via": "screen pop"})
        await audit.append(storage, "alice", audit.CUSTOMER_UPDATE, "Customer:2", {"attributes": ["city"]})
        await audit.append(storage, "alice", audit.RECORDING_PLAY, "voicemail:7")
        for change in (update(AuditRow).values(username="mallory"), delete(AuditRow)):
            with pytest.raises(DBAPIError, match="append-only"):
                async with storage.database.transaction() as s:
                    await s.execute(change)
        repo = AuditRepository(storage.database)
        assert len(await repo.search(AuditFilter())) == 3
        assert [e.action for e in await repo.search(AuditFilter(action="customer."))] == [
            "customer.update", "customer.view"]
        assert [e.actor for e in await repo.search(AuditFilter(target_kind="Customer", target_id="2"))] == [
            "alice", "bob"]
        assert [e.action for e in await repo.search(AuditFilter(actor="alice", limit=1))] == ["recording.play"]
        now = datetime.now(UTC)
        assert await repo.search(AuditFilter(since=now + timedelta(minutes=5))) == []
        assert len(await repo.search(AuditFilter(until=now + timedelta(minutes=5)))) == 3
