"""Check mapped tables against the live database; create the ones Caruso owns.

A legacy object (``legacy="yes"``) gets no DDL at all: its table and every mapped column must exist with a
type that can hold the attribute's values.  Caruso-owned tables are created when missing and then checked
the same way; an optional attribute or an index added to the model later is added to the table.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Table, inspect, text
from sqlalchemy import types as sqltypes

from caruso.storage.errors import LegacyTableError
from caruso.storage.model.types import Model, ObjectDef

log = logging.getLogger(__name__)

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
        if not obj.legacy and create:
            _grow(sync_conn, inspector, obj, table, live)
            live = {c["name"]: c for c in inspect(sync_conn).get_columns(obj.table)}
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


def _grow(sync_conn: Any, inspector: Any, obj: ObjectDef, table: Table, live: dict[str, Any]) -> None:
    """A Caruso-owned table follows its model: add new optional attributes' columns and new indexes."""
    preparer = sync_conn.dialect.identifier_preparer
    for attr in obj.attributes.values():
        if attr.column in live:
            continue
        if attr.required or attr.name == obj.key:
            raise LegacyTableError(
                f"object {obj.name} ({attr.where.file}:{attr.where.line}): new attribute {attr.name!r} is required, "
                f"but table {obj.table!r} has rows without it; add it without required=\"yes\" first, fill it, "
                "then make it required")
        column = table.c[attr.name]
        log.info("adding column %s.%s for attribute %s.%s", obj.table, attr.column, obj.name, attr.name)
        sync_conn.execute(text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN "
                               f"{preparer.format_column(column)} {column.type.compile(dialect=sync_conn.dialect)}"))
    existing = {i["name"] for i in inspector.get_indexes(obj.table)}
    for index in table.indexes:
        if index.name not in existing:
            index.create(sync_conn)
