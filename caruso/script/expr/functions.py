"""Built-in functions of the expression language.  Values are JSON values: null, booleans, numbers,
strings, lists and objects (dicts).  Dates are ISO strings (``2026-11-23``, ``2026-11-23T14:05:00``).

Functions that need the time (``today``, ``now``) take it from the run's injected clock, so a run
is deterministic for a given clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from caruso.script.errors import ExpressionError


@dataclass(frozen=True, slots=True)
class Function:
    fn: Callable[..., Any]
    min_args: int
    max_args: int
    needs_clock: bool = False


def _date(value: Any) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise ExpressionError(f"not a date: {value!r}")


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ExpressionError(f"not a date and time: {value!r}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                pass
    raise ExpressionError(f"not a number: {value!r}")


def _len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ExpressionError(f"len() of {value!r}")


def _format(value: Any, decimals: Any = 2) -> str:
    return f"{_number(value):,.{int(decimals)}f}".replace(",", " ")


def _matches(value: Any, pattern: Any) -> bool:
    try:
        return re.fullmatch(str(pattern), _text(value)) is not None
    except re.error as exc:
        raise ExpressionError(f"bad pattern {pattern!r}: {exc}") from exc


def _today(clock: Callable[[], float]) -> str:
    return dt.datetime.fromtimestamp(clock()).date().isoformat()


def _now(clock: Callable[[], float]) -> str:
    return dt.datetime.fromtimestamp(clock()).replace(microsecond=0).isoformat()


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def _count_where(items: Any, key: Any, wanted: Any) -> int:
    return sum(1 for item in items or () if isinstance(item, dict) and item.get(key) == wanted)


FUNCTIONS: dict[str, Function] = {
    # text
    "len": Function(_len, 1, 1),
    "lower": Function(lambda s: _text(s).lower(), 1, 1),
    "upper": Function(lambda s: _text(s).upper(), 1, 1),
    "trim": Function(lambda s: _text(s).strip(), 1, 1),
    "str": Function(_text, 1, 1),
    "contains": Function(lambda s, part: _text(part) in _text(s), 2, 2),
    "startswith": Function(lambda s, part: _text(s).startswith(_text(part)), 2, 2),
    "endswith": Function(lambda s, part: _text(s).endswith(_text(part)), 2, 2),
    "replace": Function(lambda s, old, new: _text(s).replace(_text(old), _text(new)), 3, 3),
    "matches": Function(_matches, 2, 2),
    "digits": Function(lambda s: re.sub(r"\D", "", _text(s)), 1, 1),
    # numbers
    "number": Function(_number, 1, 1),
    "int": Function(lambda v: int(_number(v)), 1, 1),
    "round": Function(lambda v, n=0: round(_number(v), int(_number(n))), 1, 2),
    "abs": Function(lambda v: abs(_number(v)), 1, 1),
    "min": Function(lambda *a: min(_number(v) for v in a), 1, 10),
    "max": Function(lambda *a: max(_number(v) for v in a), 1, 10),
    "format": Function(_format, 1, 2),
    # dates (ISO strings)
    "date": Function(lambda s: _date(s).isoformat(), 1, 1),
    "today": Function(_today, 0, 0, needs_clock=True),
    "now": Function(_now, 0, 0, needs_clock=True),
    "year": Function(lambda d: _date(d).year, 1, 1),
    "month": Function(lambda d: _date(d).month, 1, 1),
    "day": Function(lambda d: _date(d).day, 1, 1),
    "weekday": Function(lambda d: _date(d).weekday(), 1, 1),  # Monday = 0
    "hour": Function(lambda t: _datetime(t).hour, 1, 1),
    "minute": Function(lambda t: _datetime(t).minute, 1, 1),
    "add_days": Function(lambda d, n: (_date(d) + dt.timedelta(days=int(_number(n)))).isoformat(), 2, 2),
    "days_between": Function(lambda a, b: (_date(b) - _date(a)).days, 2, 2),
    # values and collections
    "empty": Function(lambda v: v is None or v == "" or v == [] or v == {}, 1, 1),
    "coalesce": Function(lambda *a: next((v for v in a if v is not None and v != ""), None), 1, 10),
    "first": Function(_first, 1, 1),
    "count_where": Function(_count_where, 3, 3),
    "sum": Function(lambda items, key=None: sum(_number(i.get(key) if key else i) for i in items or ()), 1, 2),
}
