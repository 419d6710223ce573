"""Privacy fixtures: every test on SQLite and on the real PostgreSQL (the storage tests' ``backend``), with
the demo company loaded and one demo customer given calls, voicemail, script runs, consent records, history
and a campaign entry (tests/privacy/seed.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from caruso.storage.service import StorageManager
from tests.privacy.seed import Seeded, seed
from tests.storage.conftest import Backend, backend  # noqa: F401  (the fixture, re-used)


@pytest.fixture
async def demo(backend: Backend) -> AsyncIterator[StorageManager]:  # noqa: F811
    manager = StorageManager.standalone(backend.config(demo=True))
    async with manager.lifespan():
        yield manager


@pytest.fixture
async def seeded(demo: StorageManager, backend: Backend) -> Seeded:  # noqa: F811
    return await seed(demo, backend.tmp)
