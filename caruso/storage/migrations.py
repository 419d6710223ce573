"""The system schema's revision: read it, compare it with this Caruso's head, upgrade it (Alembic).

The migration scripts live in the shipped ``storage/migrations`` folder (found by ``caruso.paths`` both in a
checkout and in an installed wheel).  Alembic runs synchronously on the connection we hand it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from caruso import paths
from caruso.storage.database import Database

VERSION_TABLE = "alembic_version"


def migrations_dir() -> Path:
    return paths.shipped("storage") / "migrations"


def alembic_config(connection: Any = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {migrations_dir()}")
    return head


class SchemaState(str, enum.Enum):
    FRESH = "fresh"  # no system schema yet: created on first start
    CURRENT = "current"
    BEHIND = "behind"  # `caruso db upgrade` needed
    UNKNOWN = "unknown"  # a revision this Caruso does not know (a newer Caruso wrote it)


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    current: str | None
    head: str

    def describe(self) -> str:
        match self.state:
            case SchemaState.FRESH:
                return f"no Caruso schema yet (head is {self.head}); `caruso db upgrade` or the first start creates it"
            case SchemaState.CURRENT:
                return f"up to date at revision {self.head}"
            case SchemaState.BEHIND:
                return f"at revision {self.current}, behind {self.head}: run `caruso db upgrade`"
            case _:
                return (f"at revision {self.current}, which this Caruso does not know (head {self.head}); "
                        "was it written by a newer Caruso?")


def _status(sync_conn: Any) -> SchemaStatus:
    head = head_revision()
    if not inspect(sync_conn).has_table(VERSION_TABLE):
        return SchemaStatus(SchemaState.FRESH, None, head)
    current = MigrationContext.configure(sync_conn).get_current_revision()
    if current is None:
        return SchemaStatus(SchemaState.FRESH, None, head)
    if current == head:
        return SchemaStatus(SchemaState.CURRENT, current, head)
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = {rev.revision for rev in script.walk_revisions()}
    except Exception:  # noqa: BLE001 - a broken chain reads as unknown
        known = set()
    return SchemaStatus(SchemaState.BEHIND if current in known else SchemaState.UNKNOWN, current, head)


async def schema_status(db: Database) -> SchemaStatus:
    async with db.connect(commit=False) as conn:
        return await conn.run_sync(_status)


async def upgrade(db: Database, revision: str = "head") -> SchemaStatus:
    """Bring the system schema to *revision* (default: this Caruso's head) and return the new status."""

    def run(sync_conn: Any) -> None:
        command.upgrade(alembic_config(sync_conn), revision)

    async with db.connect() as conn:
        await conn.run_sync(run)
    return await schema_status(db)


async def downgrade(db: Database, revision: str) -> SchemaStatus:
    def run(sync_conn: Any) -> None:
        command.downgrade(alembic_config(sync_conn), revision)

    async with db.connect() as conn:
        await conn.run_sync(run)
    return await schema_status(db)


async def revision(db: Database, message: str) -> None:
    """Write a new migration script from the difference between the database (at head) and the schema."""

    head = head_revision()
    rev_id = f"{int(head) + 1:04d}" if head.isdigit() else None  # revisions are numbered 0001, 0002, ...

    def run(sync_conn: Any) -> None:
        command.revision(alembic_config(sync_conn), message=message, autogenerate=True, rev_id=rev_id)

    async with db.connect() as conn:
        await conn.run_sync(run)
