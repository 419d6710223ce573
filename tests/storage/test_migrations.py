"""The system schema: created on an empty database, upgraded from an older one, refused when behind."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from caruso.cli.main import main
from caruso.storage import migrations
from caruso.storage.database import Database
from caruso.storage.errors import SchemaBehind
from caruso.storage.migrations import SchemaState
from caruso.storage.schema import Base, ConsentRow
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend


async def test_an_empty_database_upgrades_to_head_and_matches_the_schema_classes(backend: Backend) -> None:
    db = backend.database()
    try:
        assert (await migrations.schema_status(db)).state is SchemaState.FRESH
        status = await migrations.upgrade(db)
        assert status.state is SchemaState.CURRENT and status.current == migrations.head_revision()
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata))
        assert diff == [], "caruso/storage/schema and storage/migrations differ: write a migration"
    finally:
        await db.dispose()


async def test_an_older_schema_is_refused_then_upgraded_keeping_its_data(backend: Backend) -> None:
    db = backend.database()
    try:
        await migrations.upgrade(db, "0001")
        async with db.connect() as conn:
            await conn.execute(text(
                "INSERT INTO consents (customer_object, customer_key, channel, purpose, status, source, recorded_at,"
                " created_at) VALUES ('Customer', '7', 'phone', 'marketing', 'opt_out', 'letter',"
                " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"))
            assert not await conn.run_sync(lambda sync: inspect(sync).has_table("suppression_list"))
    finally:
        await db.dispose()

    storage = StorageManager.standalone(backend.config())
    with pytest.raises(SchemaBehind, match="run `caruso db upgrade`"):
        async with storage.lifespan():
            pass

    db = backend.database()
    try:
        assert (await migrations.upgrade(db)).state is SchemaState.CURRENT
    finally:
        await db.dispose()
    async with storage.lifespan():
        assert not await storage.may_contact(("Customer", "7"), "phone", "marketing")
        async with storage.database.session() as session:
            (row,) = (await session.scalars(select(ConsentRow))).all()
        assert row.source == "letter" and row.token_hash is None
        await storage.consent.suppress("+33472000000", reason="test")  # the table 0002 added


async def test_a_downgrade_goes_back_to_the_older_schema(backend: Backend) -> None:
    db = backend.database()
    try:
        await migrations.upgrade(db)
        status = await migrations.downgrade(db, "0001")
        assert status.state is SchemaState.BEHIND and status.current == "0001"
    finally:
        await db.dispose()


def _config_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "caruso.toml"
    path.write_text(f'[server]\ndata_dir = "{tmp_path}"\ntelephony = "none"\n[web]\nenabled = false\n'
                    f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    return path


def test_caruso_serve_refuses_a_schema_behind_and_caruso_db_upgrade_fixes_it(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]
                                                                             ) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    config = _config_file(tmp_path, url)

    async def make_old() -> None:
        db = Database(url)
        try:
            await migrations.upgrade(db, "0001")
        finally:
            await db.dispose()

    asyncio.run(make_old())
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARUSO_")}
    served = subprocess.run([sys.executable, "-m", "caruso", "--config", str(config), "serve"], env=env,
                            capture_output=True, text=True, timeout=90)
    assert served.returncode == 1
    assert "service 'storage' failed to start" in served.stderr
    assert "run `caruso db upgrade`" in served.stderr

    assert main(["--config", str(config), "db", "status"]) == 1
    head = migrations.head_revision()
    assert f"behind {head}" in capsys.readouterr().out
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert f"upgraded from 0001 to {head}" in capsys.readouterr().out
    assert main(["--config", str(config), "db", "status"]) == 0
