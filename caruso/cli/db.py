"""``caruso db``: the system schema's migrations (status, upgrade, downgrade, new revision)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from caruso.config import load_config
from caruso.storage import migrations
from caruso.storage.database import Database
from caruso.storage.migrations import SchemaState


def _database(args: argparse.Namespace) -> Database:
    config = load_config(args.config)
    return Database(config.database_url, schema=config.storage.schema or None)


async def _status(db: Database) -> int:
    try:
        await db.prepare()
        status = await migrations.schema_status(db)
    finally:
        await db.dispose()
    print(f"{db.describe()}: {status.describe()}")
    return 0 if status.state is SchemaState.CURRENT else 1


async def _upgrade(db: Database, revision: str) -> int:
    try:
        await db.prepare()
        before = await migrations.schema_status(db)
        if before.state is SchemaState.UNKNOWN:
            print(f"{db.describe()}: {before.describe()}")
            return 1
        after = await migrations.upgrade(db, revision)
    finally:
        await db.dispose()
    if before.current == after.current:
        print(f"{db.describe()}: already at revision {after.current}")
    else:
        print(f"{db.describe()}: upgraded from {before.current or '(empty)'} to {after.current}")
    return 0


async def _downgrade(db: Database, revision: str) -> int:
    try:
        after = await migrations.downgrade(db, revision)
    finally:
        await db.dispose()
    print(f"{db.describe()}: now at revision {after.current or '(empty)'}")
    return 0


async def _revision(message: str) -> int:
    """Autogenerate a migration: diff a scratch database at head against caruso.storage.schema."""
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite+aiosqlite:///{Path(scratch) / 'head.db'}")
        try:
            await migrations.upgrade(db)
            await migrations.revision(db, message)
        finally:
            await db.dispose()
    print(f"new migration written to {migrations.migrations_dir() / 'versions'}; review it, then commit it")
    return 0


def run(args: argparse.Namespace) -> int:
    match args.action:
        case "status":
            return asyncio.run(_status(_database(args)))
        case "upgrade":
            return asyncio.run(_upgrade(_database(args), args.revision))
        case "downgrade":
            return asyncio.run(_downgrade(_database(args), args.revision))
        case "revision":
            return asyncio.run(_revision(args.message))
    return 2


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("db", help="the database schema: status, upgrade, downgrade, new revision",
                       description="Manage the system schema of the configured database ([storage] url).")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("status", help="show the schema revision and whether an upgrade is needed")
    up = actions.add_parser("upgrade", help="bring the schema up to this Caruso's revision (creates it if empty)")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    down = actions.add_parser("downgrade", help="go back to an older revision (data in dropped columns is lost)")
    down.add_argument("revision", help="target revision, e.g. 0001, or base for an empty schema")
    rev = actions.add_parser("revision", help="(developers) write a migration for changes to caruso.storage.schema")
    rev.add_argument("-m", "--message", required=True, help="what the migration changes")
    p.set_defaults(func=run)
