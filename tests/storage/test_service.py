"""The storage manager as a whole: first start, business objects, history, consent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from caruso.config import Config, ServerSettings
from caruso.storage import migrations
from caruso.storage.errors import ModelError
from caruso.storage.history import ContactEvent
from caruso.storage.migrations import SchemaState
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend


async def test_first_start_creates_the_schema_at_head(backend: Backend) -> None:
    manager = StorageManager.standalone(backend.config())
    async with manager.lifespan():
        status = await migrations.schema_status(manager.database)
        assert status.state is SchemaState.CURRENT
        assert manager.health().state.value == "ok"
    assert manager.health().state.value == "down"


async def test_objects_history_and_consent_work_together(storage: StorageManager) -> None:
    customer = await storage.objects.create("Customer", {"number": "C-1", "lastName": "Martin",
                                                         "phone": "04 72 00 00 01"})
    assert [c.key for c in await storage.identify_caller("+33472000001")] == [customer.key]
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for i in range(3):
        await storage.record_contact(ContactEvent(kind="inbound_call", channel="phone", customer=customer.ref,
                                                  started_at=start + timedelta(minutes=i), agent="alice"))
    page = await storage.timeline(customer, limit=2)
    assert [e.started_at for e in page.items] == [start + timedelta(minutes=2), start + timedelta(minutes=1)]
    assert page.next_cursor is not None
    assert await storage.may_contact(customer, "phone", "service")
    await storage.set_consent("04 72 00 00 01", "phone", "service", "opt_out", source="ivr")
    assert not await storage.may_contact(customer, "phone", "service")


async def test_the_default_database_is_a_sqlite_file_in_the_data_dir_in_wal_mode(tmp_path: Path) -> None:
    manager = StorageManager.standalone(Config(server=ServerSettings(data_dir=tmp_path / "data")))
    async with manager.lifespan():
        async with manager.database.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
    assert mode == "wal"
    assert (tmp_path / "data" / "caruso.db").is_file()


async def test_the_default_country_reads_national_numbers(backend: Backend) -> None:
    manager = StorageManager.standalone(backend.config(country="DE"))
    async with manager.lifespan():
        customer = await manager.objects.create("Customer", {"number": "C-1", "lastName": "Weber",
                                                             "phone": "030 1234567"})
        assert customer["phone"] == "+49301234567"
        assert [c.key for c in await manager.identify_caller("(030) 123 45 67")] == [customer.key]
        assert await manager.identify_caller("+33301234567") == []


async def test_a_broken_model_file_stops_the_start_with_its_position(backend: Backend) -> None:
    models = backend.tmp / "models"
    models.mkdir()
    (models / "crm.xml").write_text('<model name="m">\n  <object name="A" table="a" key="id">\n'
                                    '    <attribute name="id" type="number"/>\n  </object>\n</model>\n')
    manager = StorageManager.standalone(backend.config(models_dir=models))
    with pytest.raises(ModelError, match=rf"^{re.escape(str(models / 'crm.xml'))}:3:5: does not match"):
        async with manager.lifespan():
            pass
    assert manager.health().state.value == "down"
