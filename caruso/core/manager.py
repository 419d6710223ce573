"""The service manager: the registry every part of Caruso finds the others through.

- ``register(key, component, depends_on=...)`` before start; ``get(key)`` any time.
- ``start()`` enters every component's ``lifespan()`` in dependency order; a failure unwinds exactly
  the components that had started, in reverse, and raises ServiceStartError naming the one that failed.
- ``replace(name, new)`` starts *new*, swaps it in (look-ups from then on get it), waits for leases on
  the old one to drain, then stops the old one.  If *new* fails to start, the old one keeps serving.
- ``use(key)`` leases a service for the length of an ``async with``: a replacement never stops a
  component while a lease on it is held (up to ``drain_timeout``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from caruso.core.component import Health, ServiceKey
from caruso.errors import (
    DependencyCycle,
    DuplicateService,
    MissingDependency,
    ServiceError,
    ServiceNotFound,
    ServiceStartError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Leases:
    """Leases held on one component instance."""

    __slots__ = ("count", "released")

    def __init__(self) -> None:
        self.count = 0
        self.released = asyncio.Event()
        self.released.set()

    def acquire(self) -> None:
        self.count += 1
        self.released.clear()

    def release(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.released.set()


@dataclass(eq=False)
class _Entry:
    name: str
    component: Any
    depends_on: tuple[str, ...]
    stack: AsyncExitStack | None = None
    leases: _Leases = field(default_factory=_Leases)


class ServiceManager:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._components: dict[str, Any] = {}  # name -> current component, for the hot look-up path
        self._started: list[str] = []
        self._running = False
        self._lock = asyncio.Lock()

    # registry -----------------------------------------------------------------------------------
    def register(self, key: ServiceKey[T] | str, component: T, *, depends_on: Iterable[str] = ()) -> None:
        name = key if isinstance(key, str) else key.name
        if name in self._entries:
            raise DuplicateService(f"a service named {name!r} is already registered")
        if self._running:
            raise ServiceError(f"cannot register {name!r} while running; use replace()")
        self._entries[name] = _Entry(name, component, tuple(depends_on))
        self._components[name] = component

    @overload
    def get(self, key: ServiceKey[T]) -> T: ...
    @overload
    def get(self, key: str) -> Any: ...
    def get(self, key: ServiceKey[Any] | str) -> Any:
        name = key if type(key) is str else key.name  # type: ignore[union-attr]
        try:
            return self._components[name]
        except KeyError:
            raise ServiceNotFound(name, self._entries) from None

    def find(self, key: ServiceKey[T] | str) -> T | None:
        name = key if isinstance(key, str) else key.name
        entry = self._entries.get(name)
        return None if entry is None else entry.component

    def __contains__(self, key: object) -> bool:
        name = key.name if isinstance(key, ServiceKey) else key
        return name in self._entries

    def names(self) -> list[str]:
        return list(self._entries)

    def depends_on(self, name: str) -> tuple[str, ...]:
        try:
            return self._entries[name].depends_on
        except KeyError:
            raise ServiceNotFound(name, self._entries) from None

    @property
    def running(self) -> bool:
        return self._running

    @asynccontextmanager
    async def use(self, key: ServiceKey[T] | str) -> AsyncIterator[T]:
        """Lease the current component: it is not stopped by a replace() until the lease ends."""
        name = key if isinstance(key, str) else key.name
        try:
            entry = self._entries[name]
        except KeyError:
            raise ServiceNotFound(name, self._entries) from None
        leases, component = entry.leases, entry.component
        leases.acquire()
        try:
            yield component
        finally:
            leases.release()

    # ordering -----------------------------------------------------------------------------------
    def start_order(self) -> list[str]:
        """Dependency order (dependencies first, otherwise registration order)."""
        for entry in self._entries.values():
            for dep in entry.depends_on:
                if dep not in self._entries:
                    raise MissingDependency(
                        f"service {entry.name!r} depends on {dep!r}, which is not registered; "
                        f"registered services: {', '.join(sorted(self._entries))}"
                    )
        order: list[str] = []
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        path: list[str] = []

        def visit(name: str) -> None:
            mark = state.get(name)
            if mark == 2:
                return
            if mark == 1:
                raise DependencyCycle(path[path.index(name) :] + [name])
            state[name] = 1
            path.append(name)
            for dep in self._entries[name].depends_on:
                visit(dep)
            path.pop()
            state[name] = 2
            order.append(name)

        for name in self._entries:
            visit(name)
        return order

    # lifecycle ----------------------------------------------------------------------------------
    async def _enter(self, entry: _Entry, component: Any) -> AsyncExitStack:
        stack = AsyncExitStack()
        lifespan = getattr(component, "lifespan", None)
        if lifespan is None:  # a plain value (e.g. the configuration): nothing to start
            return stack
        try:
            await stack.enter_async_context(lifespan())
        except asyncio.CancelledError:
            await stack.aclose()
            raise
        except Exception as exc:
            await stack.aclose()
            raise ServiceStartError(entry.name, exc) from exc
        return stack

    async def start(self) -> None:
        async with self._lock:
            if self._running:
                raise ServiceError("services are already running")
            order = self.start_order()
            try:
                for name in order:
                    entry = self._entries[name]
                    log.debug("starting %s", name)
                    entry.stack = await self._enter(entry, entry.component)
                    self._started.append(name)
            except BaseException:
                await self._stop_started()
                raise
            self._running = True

    async def stop(self) -> None:
        async with self._lock:
            await self._stop_started()
            self._running = False

    async def _stop_started(self) -> None:
        errors: list[BaseException] = []
        while self._started:
            entry = self._entries[self._started.pop()]
            stack, entry.stack = entry.stack, None
            if stack is None:
                continue
            log.debug("stopping %s", entry.name)
            try:
                await stack.aclose()
            except Exception as exc:  # keep stopping the others
                log.exception("service %r failed while stopping", entry.name)
                errors.append(exc)
        if errors:
            raise ServiceError(f"{len(errors)} service(s) failed while stopping") from errors[0]

    async def replace(self, name: str, new: Any, *, drain_timeout: float = 10.0) -> None:
        async with self._lock:
            try:
                entry = self._entries[name]
            except KeyError:
                raise ServiceNotFound(name, self._entries) from None
            if not self._running:
                entry.component = self._components[name] = new
                return
            new_stack = await self._enter(entry, new)  # raises: the old one keeps serving
            old_stack, old_leases = entry.stack, entry.leases
            entry.component, entry.stack, entry.leases = new, new_stack, _Leases()
            self._components[name] = new
            try:
                await asyncio.wait_for(old_leases.released.wait(), drain_timeout)
            except TimeoutError:
                log.warning("replacing %r: %d lease(s) still held after %.1fs; stopping it anyway",
                            name, old_leases.count, drain_timeout)
            if old_stack is not None:
                await old_stack.aclose()

    # health -------------------------------------------------------------------------------------
    def health(self) -> dict[str, Health]:
        report: dict[str, Health] = {}
        for name, entry in self._entries.items():
            if self._running and entry.stack is None:
                report[name] = Health.down("not started")
                continue
            check = getattr(entry.component, "health", None)
            if check is None:
                report[name] = Health.ok()
                continue
            try:
                report[name] = check()
            except Exception as exc:
                report[name] = Health.down(f"health check failed: {type(exc).__name__}: {exc}")
        return report
