"""Convert values to an attribute's declared type (pure: no I/O).

Strings (from CSV files, web forms, script variables) and native values are both accepted; anything that
does not fit raises InvalidValue naming object, attribute, value and type.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from caruso.storage.errors import InvalidValue
from caruso.storage.model.types import AttributeDef
from caruso.storage.phone import normalise_number

_TRUE = {"1", "true", "yes", "y", "on", "oui"}
_FALSE = {"0", "false", "no", "n", "off", "non"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def convert_value(obj: str, attr: AttributeDef, value: Any, *, country: str = "FR") -> Any:
    """*value* as the Python type of *attr* (None stays None; "" is None except for text types)."""
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if stripped == "" and attr.type not in ("string", "text"):
            return None
    try:
        result = _CONVERTERS[attr.type](value, country)
    except (ValueError, TypeError, InvalidOperation, ArithmeticError):
        raise InvalidValue(obj, attr.name, value, _EXPECTED[attr.type]) from None
    if attr.length is not None and isinstance(result, str) and len(result) > attr.length:
        raise InvalidValue(obj, attr.name, value, f"{_EXPECTED[attr.type]} of at most {attr.length} characters")
    return result


def _string(value: Any, _country: str) -> str:
    if isinstance(value, (bytes, dict, list)):
        raise TypeError(value)
    return value if isinstance(value, str) else str(value)


def _integer(value: Any, _country: str) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(value)
        return int(value)
    return int(str(value).strip())


def _decimal(value: Any, _country: str) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    result = Decimal(str(value).strip().replace(",", ".") if isinstance(value, str) else value)
    if not result.is_finite():
        raise ValueError(value)
    return result


def _boolean(value: Any, _country: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def _date(value: Any, _country: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _datetime(value: Any, _country: str) -> datetime:
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime(value.year, value.month, value.day)
    else:
        result = datetime.fromisoformat(str(value).strip())
    # naive values are taken as UTC; everything is stored and returned in UTC
    return result.replace(tzinfo=UTC) if result.tzinfo is None else result.astimezone(UTC)


def _phone(value: Any, country: str) -> str:
    return normalise_number(str(value), country)


def _email(value: Any, _country: str) -> str:
    text = str(value).strip()
    if not _EMAIL.match(text):
        raise ValueError(value)
    # stored in lower case, so look-ups and consent match however the address was typed
    return text.lower()


_CONVERTERS = {
    "string": _string, "text": _string, "integer": _integer, "decimal": _decimal, "boolean": _boolean,
    "date": _date, "datetime": _datetime, "phone": _phone, "email": _email,
}
_EXPECTED = {
    "string": "string", "text": "text", "integer": "integer", "decimal": "decimal number",
    "boolean": "boolean (true/false, yes/no, 1/0)", "date": "date (YYYY-MM-DD)",
    "datetime": "date and time (ISO 8601)", "phone": "phone number", "email": "e-mail address",
}
