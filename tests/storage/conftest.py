"""Storage fixtures: every storage test runs on SQLite and on the real PostgreSQL.

PostgreSQL runs share the database ``test`` with other test runs, so each test gets its own uniquely named
schema (first on search_path), dropped at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from caruso.config import Config, ServerSettings, StorageSettings
from caruso.storage.database import Database
from caruso.storage.service import StorageManager
from tests.conftest import pg_url


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    schema: str | None
    tmp: Path

    def config(self, *, models_dir: Path | None = None, demo: bool = False, country: str = "FR") -> Config:
        return Config(server=ServerSettings(data_dir=self.tmp, demo=demo),
                      storage=StorageSettings(url=self.url, schema=self.schema or "", models_dir=models_dir,
                                              default_country=country))

    def database(self) -> Database:
        return Database(self.url, schema=self.schema)


def _pg_schema_name() -> str:
    return f"t_storage_{uuid.uuid4().hex[:12]}"


async def _drop_schema(url: str, schema: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'caruso.db'}", None, tmp_path)
        return
    url = request.getfixturevalue("postgres_url")
    schema = _pg_schema_name()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OSError as exc:
        pytest.fail(f"cannot reach PostgreSQL at {url} ({exc}); run ./test.sh or set CARUSO_TEST_PG_URL")
    finally:
        await engine.dispose()
    try:
        yield Backend("postgres", url, schema, tmp_path)
    finally:
        await _drop_schema(url, schema)


@pytest.fixture
async def storage(backend: Backend) -> AsyncIterator[StorageManager]:
    """A started storage manager with the shipped utility model on a fresh database."""
    manager = StorageManager.standalone(backend.config())
    async with manager.lifespan():
        yield manager


@pytest.fixture
def models_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "models"
    folder.mkdir()
    yield folder


__all__ = ["Backend", "pg_url"]
