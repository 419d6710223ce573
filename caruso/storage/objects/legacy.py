"""Check mapped tables against the live database; create the ones Caruso owns.

A legacy object (``legacy="yes"``) gets no DDL at all: its table and every mapped column must exist with a
type that can hold the attribute's values.  Caruso-owned tables are created when missing and then checked
the same way (a column added to the model later is reported, not silently ignored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy import types as sqltypes

from caruso.storage.errors import LegacyTableError
from caruso.storage.model.types import Model

# attribute type -> SQL types whose values convert to it without loss
_COMPATIBLE: dict[str, tuple[type, ...]] = {
    "string": (sqltypes.String, sqltypes.Text, sqltypes.Enum),
    "text": (sqltypes.String, sqltypes.Text),
    "phone": (sqltypes.String, sqltypes.Text),
    "email": (sqltypes.String, sqltypes.Text),
    "integer": (sqltypes.Integer, sqltypes.Numeric),
    "decimal": (sqltypes.Numeric, sqltypes.Integer, sqltypes.Float),
    "boolean": (sqltypes.Boolean, sqltypes.Integer),
    "date": (sqltypes.Date, sqltypes.DateTime),
    "datetime": (sqltypes.DateTime,),
}


def _describe(t: Any) -> str:
    try:
        return str(t.compile())
    except Exception:  # noqa: BLE001 - only for the message
        return type(t).__name__


def check_tables(sync_conn: Any, model: Model, tables: dict[str, Table], *, create: bool,
                 ) -> dict[str, dict[str, Any]]:
    """Create missing Caruso-owned tables (if *create*), then check every mapped column.

    Returns, per legacy object, its columns' live types (so queries bind values the way the table wants).
    """
    inspector = inspect(sync_conn)
    live_types: dict[str, dict[str, Any]] = {}
    for name, obj in model.objects.items():
        table = tables[name]
        if not inspector.has_table(obj.table):
            if obj.legacy:
                raise LegacyTableError(f"object {name} ({obj.where.file}:{obj.where.line}): legacy table "
                                       f"{obj.table!r} does not exist in the database")
            if not create:
                raise LegacyTableError(f"object {name}: table {obj.table!r} does not exist")
            table.create(sync_conn)
            continue
        live = {c["name"]: c for c in inspector.get_columns(obj.table)}
        for attr in obj.attributes.values():
            col = live.get(attr.column)
            if col is None:
                raise LegacyTableError(
                    f"object {name} ({attr.where.file}:{attr.where.line}): attribute {attr.name!r} maps to column "
                    f"{attr.column!r}, which table {obj.table!r} does not have; it has: {', '.join(live)}")
            live_type = col["type"]
            if isinstance(live_type, sqltypes.NullType):
                continue  # SQLite column without a declared type holds anything
            if not isinstance(live_type, _COMPATIBLE[attr.type]):
                raise LegacyTableError(
                    f"object {name} ({attr.where.file}:{attr.where.line}): column {obj.table}.{attr.column} is "
                    f"{_describe(live_type)}, which cannot hold attribute {attr.name!r} of type {attr.type}")
            if attr.type == "integer" and isinstance(live_type, sqltypes.Numeric) and \
                    not isinstance(live_type, sqltypes.Integer) and (live_type.scale or 0) > 0:
                raise LegacyTableError(
                    f"object {name}: column {obj.table}.{attr.column} is {_describe(live_type)} (has decimals), "
                    f"which cannot hold attribute {attr.name!r} of type integer; declare it decimal")
        if obj.legacy:
            live_types[name] = {attr.column: live[attr.column]["type"] for attr in obj.attributes.values()
                                if not isinstance(live[attr.column]["type"], sqltypes.NullType)}
    return live_types
