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
