"""The web side's repositories on the real PostgreSQL (the rest of tests/web runs on SQLite): users and
audit, admin configuration, script runs, and a report over stored calls and state periods."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from caruso.auth.errors import UserExists
from caruso.auth.roles import Role
from caruso.auth.users import AuditEntry
from caruso.reports.compute import compute
from caruso.reports.facts import Period
from caruso.storage.admin_repository import AdminRepository
from caruso.storage.calls_repository import CallRecord, CallsRepository
from caruso.storage.reports_repository import ReportsRepository
from caruso.storage.script_runs_repository import ScriptRunRecord, ScriptRunsRepository
from caruso.storage.service import StorageManager
from caruso.storage.users_repository import UsersRepository
from tests.storage.conftest import Backend, _drop_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_storage(postgres_url: str, tmp_path: Path) -> AsyncIterator[StorageManager]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    schema = f"t_web_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(postgres_url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await engine.dispose()
    manager = StorageManager.standalone(Backend("postgres", postgres_url, schema, tmp_path).config())
    try:
        async with manager.lifespan():
            yield manager
    finally:
        await _drop_schema(postgres_url, schema)


async def test_users_audit_admin_runs_and_reports_on_postgres(pg_storage: StorageManager) -> None:
    db = pg_storage.database
    admin = AdminRepository(db)
    await admin.save_skill("billing", "bills")
    await admin.save_queue({"name": "sales", "skills": {"billing": 2}, "settings": {"service_level_seconds": 20}})
    await admin.save_agent({"login": "ann", "queues": {"sales": 0}, "skills": {"billing": 5}})

    users = UsersRepository(db)
    user = await users.create_user(username="ann", role=Role.AGENT, password_hash="$argon2id$x", agent_id="ann")
    with pytest.raises(UserExists):
        await users.create_user(username="ann", role=Role.ADMIN, password_hash="h")
    assert (await users.find_user("ann"))[0].agent_id == "ann"  # type: ignore[index]
    assert (await users.update_user(user.id, active=False)).active is False
    entry = await users.add_audit(AuditEntry(at=1_800_000_000.0, actor="root", action="queue.save",
                                             target_kind="queue", target_id="sales", details={"label": "Sales"}))
    assert (await users.list_audit(target_kind="queue"))[0] == entry

    await ScriptRunsRepository(db).save(ScriptRunRecord(
        id="r1", script="quick-check", script_version="1", host="agent", status="finished", state={},
        trace=[{"step": "topic"}, {"step": "done"}], outcome="resolved", agent="ann", call_id="c1"))
    now = datetime.now(UTC).replace(microsecond=0)
    calls = CallsRepository(db)
    await calls.save_call(CallRecord(id="c1", arrived_at=now, queued_at=now, queue="sales", agent="ann",
                                     answered_at=now + timedelta(seconds=12), ended_at=now + timedelta(seconds=72),
                                     wait_seconds=12.0, talk_seconds=60.0, outcome="answered"))
    await calls.save_call(CallRecord(id="c2", arrived_at=now, queued_at=now, queue="sales", wait_seconds=40.0,
                                     outcome="abandoned"))
    report = compute(await ReportsRepository(db).facts(Period(now - timedelta(hours=1), now + timedelta(hours=1))))
    sales = report.queues["sales"]
    assert (sales.offered, sales.answered, sales.abandoned, sales.answered_in_sl) == (2, 1, 1, 1)
    assert report.agents["ann"].answered == 1
    assert dict(report.scripts["quick-check"].outcomes) == {"resolved": 1}
