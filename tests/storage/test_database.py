"""Database URLs: the async drivers are chosen for plain URLs; anything else is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from caruso.storage.database import Database
from caruso.storage.errors import StorageError


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
    import asyncio

    from sqlalchemy import text

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
