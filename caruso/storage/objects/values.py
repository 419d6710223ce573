"""Business objects as plain data, and value adaptation between declared types and live columns (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import types as sqltypes

from caruso.storage.model.types import AttributeDef


@dataclass(frozen=True, slots=True)
class BusinessObject:
    """One business object: its class name, key and attribute values (declared Python types)."""

    name: str
    key: Any
    values: Mapping[str, Any]

    def __getitem__(self, attribute: str) -> Any:
        return self.values[attribute]

    def get(self, attribute: str, default: Any = None) -> Any:
        return self.values.get(attribute, default)

    @property
    def ref(self) -> tuple[str, str]:
        """(object name, key as text): how the system schema refers to it (contact history, consent)."""
        return self.name, str(self.key)

    def as_json(self) -> dict[str, Any]:
        return {name: json_value(v) for name, v in self.values.items()}


def json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def to_db(live: sqltypes.TypeEngine[Any] | None, value: Any) -> Any:
    """A converted value as the live column of a legacy table wants it."""
    if value is None or live is None:
        return value
    if isinstance(live, sqltypes.DateTime):
        if isinstance(value, datetime):
            return value if live.timezone else value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
    if isinstance(value, bool) and isinstance(live, sqltypes.Integer) and not isinstance(live, sqltypes.Boolean):
        return int(value)
    if isinstance(live, (sqltypes.String, sqltypes.Text)) and not isinstance(value, str):
        return str(value)
    return value


def from_db(attr: AttributeDef, value: Any) -> Any:
    """A column value as the attribute's declared type (legacy columns may hold a wider type)."""
    if value is None:
        return None
    match attr.type:
        case "integer":
            return value if isinstance(value, int) else int(value)
        case "decimal":
            return value if isinstance(value, Decimal) else Decimal(str(value))
        case "boolean":
            return value if isinstance(value, bool) else bool(int(value))
        case "date":
            if isinstance(value, datetime):
                return value.date()
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        case "datetime":
            if isinstance(value, str):
                value = datetime.fromisoformat(value)
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        case _:
            return value if isinstance(value, str) else str(value)
