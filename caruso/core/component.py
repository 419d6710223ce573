"""What a component is: a name, its dependencies, a lifespan and a health report."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


class HealthState(str, enum.Enum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Health:
    state: HealthState
    reason: str = ""

    @classmethod
    def ok(cls, reason: str = "") -> Health:
        return cls(HealthState.OK, reason)

    @classmethod
    def degraded(cls, reason: str) -> Health:
        return cls(HealthState.DEGRADED, reason)

    @classmethod
    def down(cls, reason: str) -> Health:
        return cls(HealthState.DOWN, reason)

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state.value, "reason": self.reason}


@runtime_checkable
class Component(Protocol):
    """A service: entered by the manager in dependency order, left in reverse.

    ``lifespan()`` returns an async context manager: the code before its ``yield`` starts the
    component, the code after it stops it.  ``health()`` is cheap and never blocks.
    """

    def lifespan(self) -> AbstractAsyncContextManager[Any]: ...

    def health(self) -> Health: ...


class ServiceKey(Generic[T]):
    """A typed look-up key: ``services.get(MAILER)`` is typed as the mailer's class."""

    __slots__ = ("name", "type")

    def __init__(self, name: str, type_: type[T] | None = None) -> None:
        self.name = name
        self.type = type_

    def __repr__(self) -> str:
        return f"ServiceKey({self.name!r})"


class BaseComponent:
    """Convenience base: override ``start``/``stop`` (or ``lifespan``) and ``health``."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def health(self) -> Health:
        return Health.ok()
