"""Search every table of the database and every file under the data directory for personal values."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from caruso.storage.service import StorageManager


async def dump(storage: StorageManager) -> dict[str, list[str]]:
    """Every row of every table (system schema, business objects, alembic's), as text, by table."""
    db = storage.database
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names(schema=db.schema))
        out = {}
        for name in names:
            rows = (await conn.execute(text(f'SELECT * FROM "{name}"'))).all()
            out[name] = [repr(tuple(row)) + " " + " ".join(str(v) for v in row) for row in rows]
    assert {"calls", "voicemails", "script_runs", "contact_history", "consents", "customers"} <= set(out)
    return out


def found_in_dump(tables: dict[str, list[str]], needles: tuple[str, ...]) -> list[str]:
    return [f"{name}: {needle!r} in {row[:200]}" for name, rows in tables.items() for row in rows
            for needle in needles if needle in row]


def found_in_files(folder: Path, needles: tuple[str, ...]) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {needle!r}" for needle in needles if needle.encode() in data]
    return hits
