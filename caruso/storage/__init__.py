"""The storage manager: system schema, business objects, contact history and consent.

Only this package imports SQLAlchemy.  The rest of Caruso uses the StorageManager service (key STORAGE)
and gets plain dataclasses back.  See docs/storage.md.
"""

from caruso.storage.consent import ConsentRecord, ContactDecision
from caruso.storage.errors import (
    ConsentError,
    DuplicateObject,
    InvalidValue,
    LegacyTableError,
    ModelError,
    ObjectNotFound,
    SchemaBehind,
    StorageError,
    UnknownAttribute,
    UnknownObject,
)
from caruso.storage.history import ContactEvent, TimelinePage
from caruso.storage.objects import BusinessObject
from caruso.storage.service import StorageManager

__all__ = [
    "BusinessObject", "ConsentError", "ConsentRecord", "ContactDecision", "ContactEvent", "DuplicateObject",
    "InvalidValue", "LegacyTableError", "ModelError", "ObjectNotFound", "SchemaBehind", "StorageError",
    "StorageManager", "TimelinePage", "UnknownAttribute", "UnknownObject",
]
