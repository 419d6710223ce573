"""Caruso's exception tree.  Every error the product raises on purpose derives from CarusoError.

CarusoError
├── ConfigError                 a setting is unknown or has a bad value (file, key, expected type)
├── ServiceError                service manager problems
│   ├── ServiceNotFound         look-up of a name or key that is not registered (names the ones that exist)
│   ├── DuplicateService        a name registered twice
│   ├── DependencyCycle         services depend on each other in a loop (names the cycle)
│   ├── MissingDependency       a service depends on one that is not registered
│   ├── ServiceStartError       a component failed to start (names it, chained to the cause)
│   └── DescriptorError         a services/*.toml descriptor is wrong (file and key)
└── EventBusError               misuse of the event bus
"""

from __future__ import annotations

from collections.abc import Iterable


class CarusoError(Exception):
    """Base of every error Caruso raises on purpose."""


class ConfigError(CarusoError):
    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        where = ": ".join(part for part in (file, key) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.key = key


class ServiceError(CarusoError):
    pass


class ServiceNotFound(ServiceError, LookupError):
    def __init__(self, name: str, existing: Iterable[str]) -> None:
        names = sorted(existing)
        listing = ", ".join(names) if names else "(none)"
        super().__init__(f"no service named {name!r}; registered services: {listing}")
        self.name = name
        self.existing = names


class DuplicateService(ServiceError):
    pass


class DependencyCycle(ServiceError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__("dependency cycle: " + " -> ".join(cycle))
        self.cycle = cycle


class MissingDependency(ServiceError):
    pass


class ServiceStartError(ServiceError):
    def __init__(self, name: str, cause: BaseException) -> None:
        super().__init__(f"service {name!r} failed to start: {type(cause).__name__}: {cause}")
        self.name = name


class DescriptorError(ServiceError):
    def __init__(self, message: str, *, file: str, key: str | None = None) -> None:
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {message}")
        self.file = file
        self.key = key


class EventBusError(CarusoError):
    pass
