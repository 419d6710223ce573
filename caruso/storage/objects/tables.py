"""Business-object classes as SQLAlchemy Core tables (one MetaData per loaded model)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from caruso.storage.model.types import AttributeDef, Model, ObjectDef
from caruso.storage.schema.base import UtcDateTime


def column_type(attr: AttributeDef) -> TypeEngine[object]:
    match attr.type:
        case "string":
            return String(attr.length or 255)
        case "text":
            return Text()
        case "integer":
            return Integer()
        case "decimal":
            return Numeric(18, 4)
        case "boolean":
            return Boolean()
        case "date":
            return Date()
        case "datetime":
            return UtcDateTime()
        case "phone":
            return String(attr.length or 32)
        case "email":
            return String(attr.length or 254)
    raise ValueError(attr.type)


def object_table(obj: ObjectDef, metadata: MetaData, live: Mapping[str, TypeEngine[Any]] | None = None) -> Table:
    """The table of *obj*; *live* (column name -> reflected type) makes a legacy table use its real types."""
    live = live or {}
    columns = [
        Column(a.column, live.get(a.column) or column_type(a), key=a.name, primary_key=a.name == obj.key,
               autoincrement=a.generated if a.name == obj.key else False,
               nullable=a.name != obj.key and not a.required)
        for a in obj.attributes.values()
    ]
    table = Table(obj.table, metadata, *columns)
    for i, index in enumerate(obj.indexes):
        name = index.name or f"ix_{obj.table}_{'_'.join(index.attributes)}"
        if len(name) > 60:  # PostgreSQL cuts identifiers at 63 bytes: keep them distinct
            name = f"{name[:55]}_{i}"
        Index(name, *(table.c[a] for a in index.attributes), unique=index.unique)
    return table


def model_tables(model: Model, live: Mapping[str, Mapping[str, TypeEngine[Any]]] | None = None,
                 ) -> tuple[MetaData, dict[str, Table]]:
    metadata = MetaData()
    live = live or {}
    return metadata, {name: object_table(obj, metadata, live.get(name)) for name, obj in model.objects.items()}
