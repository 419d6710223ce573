"""The engine and session factory every repository builds on.

``Database(url)`` owns one async engine (SQLite through aiosqlite, PostgreSQL through asyncpg) and an
``async_sessionmaker(expire_on_commit=False)``.  Repositories take a Database and open one session per
operation (never shared between tasks)::

    async with db.transaction() as session:     # commits on success, rolls back on error
        session.add(row)
    async with db.session() as session:         # read-only work, no implicit commit
        rows = (await session.scalars(select(...))).all()
    async with db.connect() as conn:            # Core, commits on success (commit=False: reads)
        await conn.execute(insert(table).values(...))

Each database call these hand out finishes before a cancellation of the calling task takes effect, and
the way out rolls back and returns the connection whatever happened (see :mod:`.completing`): a service
that cancels its loop mid-query must not leave SQLite locked for the others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from caruso.storage.completing import CompletingConnection, CompletingSession
from caruso.storage.errors import StorageError


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # take transaction control from the driver so SAVEPOINTs work, then emit BEGIN ourselves (see below)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE: take the write lock at the start, so a second writer waits (busy_timeout) instead of
    # failing with "database is locked" when a deferred read transaction tries to upgrade mid-way
    conn.exec_driver_sql("BEGIN IMMEDIATE")


_Work = TypeVar("_Work", CompletingSession, CompletingConnection)


@asynccontextmanager
async def _finished(work: _Work, *, commit: bool) -> AsyncIterator[_Work]:
    """Commit *work* on success if *commit*; roll it back on any error or cancellation; close it always."""
    try:
        yield work
        if commit:
            await work.commit()
    except BaseException:
        await work.rollback()
        raise
    finally:
        await work.close()


class Database:
    """An async engine plus its session factory.  ``schema``: PostgreSQL schema put first on search_path."""

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        self.url = make_url(url)
        # the async drivers are the only ones Caruso ships: "postgresql://" and "sqlite:///" mean them
        driver = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}.get(self.url.get_backend_name())
        if driver and self.url.get_driver_name() != driver:
            self.url = self.url.set(drivername=f"{self.url.get_backend_name()}+{driver}")
        self.schema = schema or None
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        elif self.dialect == "postgresql":
            kwargs["pool_pre_ping"] = True  # a restarted server must not fail the next request
            if self.schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": self.schema}}
        else:
            raise StorageError(f"unsupported database {self.url.render_as_string(hide_password=True)!r}; "
                               "use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions = async_sessionmaker(self.engine, class_=CompletingSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    def describe(self) -> str:
        return self.url.render_as_string(hide_password=True) + (f" (schema {self.schema})" if self.schema else "")

    async def prepare(self) -> None:
        """Create the configured PostgreSQL schema if it does not exist."""
        if self.dialect == "postgresql" and self.schema:
            async with self.engine.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[CompletingSession]:
        async with _finished(self.sessions(), commit=False) as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[CompletingSession]:
        async with _finished(self.sessions(), commit=True) as session:
            yield session

    @asynccontextmanager
    async def connect(self, *, commit: bool = True) -> AsyncIterator[CompletingConnection]:
        """A Core connection inside a transaction: committed on success if *commit*, else rolled back."""
        async with _finished(CompletingConnection(self.engine.connect()), commit=commit) as conn:
            await conn.start()
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()
