"""Database URLs: the async drivers are chosen for plain URLs; anything else is a clear error.  Writers
wait for each other, and a task cancelled in the middle of its database work leaves nothing locked."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from caruso.storage.completing import complete
from caruso.storage.database import Database
from caruso.storage.errors import StorageError
from tests.storage.conftest import Backend


@pytest.mark.parametrize(("url", "used"), [
    ("postgresql://caruso@db.example/crm", "postgresql+asyncpg://caruso@db.example/crm"),
    ("postgresql+psycopg2://caruso@db.example/crm", "postgresql+asyncpg://caruso@db.example/crm"),
    ("sqlite:///{tmp}/caruso.db", "sqlite+aiosqlite:///{tmp}/caruso.db"),
])
async def test_plain_urls_get_the_async_driver(url: str, used: str, tmp_path: Path) -> None:
    db = Database(url.format(tmp=tmp_path))
    used = used.format(tmp=tmp_path)
    try:
        assert db.describe() == used
    finally:
        await db.dispose()


def test_passwords_never_show_and_other_databases_are_refused() -> None:
    with pytest.raises(StorageError, match=r"unsupported database 'mysql://u:\*\*\*@h/d'"):
        Database("mysql://u:secret@h/d")


async def test_concurrent_read_then_write_transactions_wait_instead_of_failing(tmp_path: Path) -> None:
    """Two sessions that read, then write, at the same time: on SQLite the second must wait for the
    first (busy_timeout), not fail with "database is locked" when its read lock cannot be upgraded."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    try:
        async with db.connect() as conn:
            await conn.execute(text("CREATE TABLE counter (n INTEGER)"))
            await conn.execute(text("INSERT INTO counter VALUES (0)"))

        async def bump() -> None:
            async with db.transaction() as session:
                n = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
                await asyncio.sleep(0.01)  # let the other transaction read too
                await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

        await asyncio.gather(*(bump() for _ in range(8)))
        async with db.connect() as conn:
            assert (await conn.execute(text("SELECT n FROM counter"))).scalar_one() == 8  # no lost update
    finally:
        await db.dispose()


async def test_a_cancelled_call_finishes_before_the_cancellation_goes_on() -> None:
    gate, done = asyncio.Event(), []

    async def call() -> int:
        await gate.wait()
        done.append("stored")
        return 5

    task = asyncio.create_task(complete(call()))
    await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.sleep(0.01)
    assert not task.done()                       # still waiting for the call, not abandoning it
    task.cancel()                                # asked twice: still one cancellation, after the call
    await asyncio.sleep(0.01)
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert done == ["stored"]

    gate.clear()
    asyncio.get_running_loop().call_later(0.1, gate.set)
    with pytest.raises(TimeoutError):            # a deadline around a call: a time-out, once the call is done
        async with asyncio.timeout(0.01):
            await complete(call())
    assert done == ["stored", "stored"]
    assert await complete(call()) == 5           # and without a cancellation, just the call's result


async def test_a_task_cancelled_mid_transaction_leaves_no_lock_behind(backend: Backend) -> None:
    """A service stopping its loop cancels it wherever it is, often inside a query.  The next writer must
    get in at once, while the cancelled task object is still around (a stopped service keeps it): before,
    SQLite stayed locked by the half-closed connection and writers failed after busy_timeout."""
    db = backend.database()
    probe_db = backend.database()
    try:
        async with db.connect() as conn:
            await conn.execute(text("CREATE TABLE cancelled_work (id INTEGER PRIMARY KEY, v TEXT)"))
            for i in range(1, 51):
                await conn.execute(text("INSERT INTO cancelled_work VALUES (:i, 'x')"), {"i": i})

        async def session_work() -> None:
            while True:
                async with db.transaction() as session:
                    (await session.execute(text("SELECT * FROM cancelled_work"))).all()
                    await session.execute(text("UPDATE cancelled_work SET v = 'y' WHERE id = 1"))

        async def read_work() -> None:
            while True:
                async with db.session() as session:
                    (await session.scalars(text("SELECT v FROM cancelled_work"))).all()

        async def core_work() -> None:
            while True:
                async with db.connect() as conn:
                    (await conn.execute(text("SELECT * FROM cancelled_work"))).all()
                    await conn.execute(text("UPDATE cancelled_work SET v = 'z' WHERE id = 1"))

        def sqlite_writer_gets_in() -> bool:
            raw = sqlite3.connect(str(backend.tmp / "caruso.db"), timeout=0, isolation_level=None)
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("ROLLBACK")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                raw.close()

        async def writer_gets_in() -> bool:
            if db.dialect == "sqlite":
                return await asyncio.to_thread(sqlite_writer_gets_in)
            try:
                async with probe_db.transaction() as session:   # the row the cancelled work updates
                    await session.execute(text("SELECT v FROM cancelled_work WHERE id = 1 FOR UPDATE NOWAIT"))
                return True
            except Exception:
                return False

        rng = random.Random(7)
        kept = []
        for turn in range(150):
            work = (session_work, read_work, core_work)[turn % 3]
            task = asyncio.create_task(work())
            await asyncio.sleep(rng.random() * 0.004)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            kept.append(task)
            assert await writer_gets_in(), f"turn {turn}: {work.__name__} cancelled, and the database stays locked"
            assert db.engine.pool.checkedout() == 0, f"turn {turn}: a connection was not returned"
        async with db.session() as session:       # and the pool still serves
            assert (await session.execute(text("SELECT count(*) FROM cancelled_work"))).scalar_one() == 50
    finally:
        await db.dispose()
        await probe_db.dispose()
