"""The base of every domain event: a frozen dataclass with an id and a timestamp."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base class.  ``at`` is a Unix time in seconds (from the injected clock where there is one)."""

    kind: ClassVar[str] = "event"
    id: str = field(default_factory=new_id)
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind
        return data
