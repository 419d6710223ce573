"""Storage benchmark: business-object look-ups by an indexed attribute and contact-history appends.

    .venv/bin/python bench/bench_storage.py [--customers 5000] [--lookups 3000] [--appends 1000] [--pg URL]

Runs on SQLite (a file in a temporary folder, WAL) and on PostgreSQL (a throw-away schema in the test
database, dropped at the end).  Each figure is printed beside a baseline measured in the same run on the same
engine and data: raw SQLAlchemy Core doing the same work (a select on the indexed column; a single-row insert
returning the new id, in its own transaction), so the cost of the storage manager's layer (model look-up, type conversion,
dataclasses) shows directly.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from caruso.config import Config, ServerSettings, StorageSettings  # noqa: E402
from caruso.storage.history import ContactEvent  # noqa: E402
from caruso.storage.schema import ContactHistoryRow  # noqa: E402
from caruso.storage.service import StorageManager  # noqa: E402

PG_DEFAULT = os.environ.get("CARUSO_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def compare(n: int, ours: Callable[[int], Awaitable[object]], core: Callable[[int], Awaitable[object]],
                  rounds: int = 5) -> tuple[float, float]:
    """Operations per second of *ours* and *core*, each run *n* times in sequence (one task, as a request
    handler would), alternating in *rounds* so that a change of machine load hits both alike."""
    spent = [0.0, 0.0]
    done = 0
    for r in range(rounds):
        chunk = range(done, n * (r + 1) // rounds)
        for side, step in enumerate((ours, core)):
            started = time.perf_counter()
            for i in chunk:
                await step(i + side * n)
            spent[side] += time.perf_counter() - started
        done = chunk.stop
    return n / spent[0], n / spent[1]


async def run_backend(label: str, url: str, schema: str | None, tmp: Path, args: argparse.Namespace) -> None:
    config = Config(server=ServerSettings(data_dir=tmp), storage=StorageSettings(url=url, schema=schema or ""))
    storage = StorageManager.standalone(config)
    async with storage.lifespan():
        objects = storage.objects
        rows = [objects.prepare("Customer", {"number": f"C{i:07d}", "lastName": f"Name{i}", "city": "Lyon",
                                             "phone": f"+3347{i:07d}", "since": "2020-01-01"})
                for i in range(args.customers)]
        for start in range(0, len(rows), 1000):
            await objects.create_many("Customer", rows[start:start + 1000])
        rng = random.Random(7)
        wanted = [f"C{rng.randrange(args.customers):07d}" for _ in range(2 * args.lookups)]
        table = objects._tables["Customer"]  # the same Table the API uses: identical SQL for the baseline
        engine = storage.database.engine

        async def api_lookup(i: int) -> object:
            (found,) = await objects.find("Customer", {"number": wanted[i]})
            return found

        async def core_lookup(i: int) -> object:
            async with engine.connect() as conn:
                return (await conn.execute(select(table).where(table.c.number == wanted[i]))).mappings().one()

        async def api_append(i: int) -> object:
            return await storage.history.append(ContactEvent(
                kind="inbound_call", channel="phone", customer=("Customer", str(i % 100)), address="+33472000000",
                started_at=T0 + timedelta(seconds=i), agent="alice", queue="billing", outcome="answered"))

        async def core_append(i: int) -> object:
            async with engine.begin() as conn:
                return await conn.execute(insert(ContactHistoryRow).values(
                    kind="inbound_call", channel="phone", customer_object="Customer", customer_key=str(i % 100),
                    address="+33472000000", started_at=T0 + timedelta(seconds=i), agent="alice", queue="billing",
                    outcome="answered", direction="inbound").returning(ContactHistoryRow.id))

        await api_lookup(0), await core_lookup(0)  # warm the pool and statement caches
        results = [
            ("look-ups by indexed attribute", *await compare(args.lookups, api_lookup, core_lookup)),
            ("contact-history appends", *await compare(args.appends, api_append, core_append)),
        ]
    for name, ours, core in results:
        print(f"{label:<10} {name:<31} {ours:>9,.0f}/s   raw Core {core:>9,.0f}/s   ({ours / core:5.0%} of Core)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--lookups", type=int, default=3000)
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL URL (default: the test database)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"{args.customers} customers; {args.lookups} look-ups and {args.appends} appends, one after the other")
    with tempfile.TemporaryDirectory() as tmp:
        await run_backend("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", None, Path(tmp), args)
        if args.no_pg:
            return
        schema = f"bench_storage_{uuid.uuid4().hex[:10]}"
        engine = create_async_engine(args.pg)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await run_backend("postgresql", args.pg, schema, Path(tmp), args)
        finally:
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
