"""Storage errors.  Every one derives from StorageError (a CarusoError).

StorageError
├── SchemaError                 the system schema cannot be used as it is
│   └── SchemaBehind            the database's schema is older than this Caruso (run `caruso db upgrade`)
├── ModelError                  a business-object model file is wrong (FILE:LINE:COL: message)
├── LegacyTableError            a mapped table or column is missing or has an incompatible type
├── UnknownObject               no business object of that name in the model
├── UnknownAttribute            the object has no attribute (or relation) of that name
├── InvalidValue                a value cannot be converted to the attribute's declared type
├── ObjectNotFound              no object with that key
├── DuplicateObject             an object with that key (or unique index value) exists already
└── ConsentError                a consent request that cannot be honoured (unknown token, bad channel)
"""

from __future__ import annotations

from collections.abc import Iterable

from caruso.errors import CarusoError


class StorageError(CarusoError):
    """Base of every storage error."""


class SchemaError(StorageError):
    pass


class SchemaBehind(SchemaError):
    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(f"the database schema is at revision {current or '(none)'} but this Caruso needs {head}; "
                         "run `caruso db upgrade` to bring it up to date")
        self.current = current
        self.head = head


class ModelError(StorageError):
    """``FILE:LINE:COL: message`` — one error in a model file."""

    def __init__(self, message: str, *, file: str, line: int = 0, column: int = 0) -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file = file
        self.line = line
        self.column = column
        self.reason = message


class LegacyTableError(StorageError):
    pass


class UnknownObject(StorageError, LookupError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        listing = ", ".join(sorted(known)) or "(none)"
        super().__init__(f"no business object {name!r}; the model has: {listing}")
        self.name = name


class UnknownAttribute(StorageError, LookupError):
    def __init__(self, obj: str, name: str, known: Iterable[str], what: str = "attribute") -> None:
        listing = ", ".join(sorted(known)) or "(none)"
        super().__init__(f"{obj} has no {what} {name!r}; it has: {listing}")
        self.object = obj
        self.name = name


class InvalidValue(StorageError, ValueError):
    def __init__(self, obj: str, attribute: str, value: object, expected: str) -> None:
        super().__init__(f"{obj}.{attribute}: {value!r} is not a valid {expected}")
        self.object = obj
        self.attribute = attribute
        self.value = value
        self.expected = expected


class ObjectNotFound(StorageError, LookupError):
    def __init__(self, obj: str, key: object) -> None:
        super().__init__(f"no {obj} with key {key!r}")
        self.object = obj
        self.key = key


class DuplicateObject(StorageError):
    pass


class ConsentError(StorageError):
    pass
