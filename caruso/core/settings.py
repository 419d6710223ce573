"""Typed settings: build a dataclass from a TOML table, naming file and key on any error.

Used for ``caruso.toml`` and for the ``[settings]`` table of service descriptors.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

from caruso.errors import ConfigError

T = TypeVar("T")


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp))
    if origin is list:
        (item,) = get_args(tp) or (Any,)
        return f"list of {_type_name(item)}"
    if origin is dict:
        return "table"
    if tp is type(None):
        return "nothing"
    if tp is Path:
        return "path (string)"
    if dataclasses.is_dataclass(tp):
        return "table"
    return getattr(tp, "__name__", str(tp))


def convert(tp: Any, value: Any, *, file: str | None, key: str) -> Any:
    """Check *value* against the annotation *tp*, converting where TOML has no such type (Path)."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin is Literal:
        if value in get_args(tp):
            return value
    elif origin in (typing.Union, types.UnionType):
        for option in get_args(tp):
            try:
                return convert(option, value, file=file, key=key)
            except ConfigError:
                continue
    elif tp is type(None):
        if value is None:
            return None
    elif origin is list:
        if isinstance(value, list):
            (item,) = get_args(tp) or (Any,)
            return [convert(item, v, file=file, key=f"{key}[{i}]") for i, v in enumerate(value)]
    elif origin is dict:
        if isinstance(value, dict):
            _, vtype = get_args(tp) or (str, Any)
            return {str(k): convert(vtype, v, file=file, key=f"{key}.{k}") for k, v in value.items()}
    elif dataclasses.is_dataclass(tp):
        if isinstance(value, dict):
            return build(tp, value, file=file, prefix=key)
    elif tp is Path:
        if isinstance(value, (str, Path)):
            return Path(value)
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(tp, type):
        if isinstance(value, tp):
            return value
    raise ConfigError(f"expected {_type_name(tp)}, got {value!r}", file=file, key=key)


def build(cls: type[T], data: dict[str, Any], *, file: str | None = None, prefix: str = "") -> T:
    """Build dataclass *cls* from *data*; unknown keys and bad values raise ConfigError."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        dotted = f"{prefix}.{raw_key}" if prefix else raw_key
        if key not in fields:
            known = ", ".join(sorted(fields)) or "(none)"
            raise ConfigError(f"unknown setting; known settings here: {known}", file=file, key=dotted)
        kwargs[key] = convert(hints[key], value, file=file, key=dotted)
    missing = [
        name
        for name, f in fields.items()
        if name not in kwargs
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING  # type: ignore[misc]
    ]
    if missing:
        dotted = f"{prefix}.{missing[0]}" if prefix else missing[0]
        raise ConfigError(f"required setting is missing ({_type_name(hints[missing[0]])})", file=file, key=dotted)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:  # a __post_init__ check
        raise ConfigError(str(exc), file=file, key=prefix or None) from exc


def parse_scalar(tp: Any, text: str, *, source: str, key: str) -> Any:
    """Parse an environment variable's text as a value of annotation *tp*."""
    import tomllib

    origin = get_origin(tp)
    plain_string = tp in (str, Path) or (origin in (typing.Union, types.UnionType) and str in get_args(tp))
    if plain_string:
        return convert(tp, text, file=source, key=key)
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    return convert(tp, value, file=source, key=key)


def to_dict(obj: Any) -> Any:
    """A dataclass as plain TOML/JSON-friendly data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, list):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj
