"""The privacy service runs retention daily at [privacy] retention_at in one tracked task (injected clock
and sleep: no waiting), reports it in health, and stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from caruso import keys
from caruso.config import Config, PrivacySettings, ServerSettings, StorageSettings
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.privacy.service import PrivacyService, next_run
from caruso.storage.calls_repository import CallRecord, CallsRepository
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend


def test_next_run() -> None:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert next_run(at, "03:30") == datetime(2026, 11, 23, 3, 30, tzinfo=UTC)
    assert next_run(at.replace(hour=3, minute=30), "03:30") == datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        next_run(at, "25:00")


async def test_daily_retention_task(backend: Backend) -> None:
    now = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)
    config = Config(server=ServerSettings(data_dir=backend.tmp),
                    storage=StorageSettings(url=backend.url, schema=backend.schema or ""),
                    privacy=PrivacySettings(call_records_days=30))
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    storage = StorageManager(ServiceContext("storage", config, None, services))
    services.register(keys.STORAGE, storage)
    slept: asyncio.Queue[float] = asyncio.Queue()
    wake = asyncio.Event()

    async def sleep(seconds: float) -> None:
        await slept.put(seconds)
        await wake.wait()
        wake.clear()

    privacy = PrivacyService(ServiceContext("privacy", config, None, services), clock=lambda: now, sleep=sleep)
    services.register(keys.PRIVACY, privacy, depends_on=["storage"])
    await services.start()
    try:
        await CallsRepository(storage.database).save_call(CallRecord(
            id="old", arrived_at=now - timedelta(days=40), caller_number="+33472000009"))
        assert await slept.get() == 90 * 60                    # until 03:30
        assert privacy.last_run is None and privacy.health().state.value == "ok"
        wake.set()
        assert await slept.get() == 90 * 60                    # ran, then sleeps again (this clock stands still)
        assert privacy.last_counts is not None and privacy.last_counts.call_records == 1
        assert (await CallsRepository(storage.database).get_call("old")).caller_number is None
        assert "last run" in privacy.health().reason
    finally:
        await services.stop()
    assert privacy.health().state.value == "down"
