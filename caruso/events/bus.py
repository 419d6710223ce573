"""The event bus: typed domain events fanned out to async subscribers.

- ``publish(event)`` never blocks and never awaits: it puts the event on the bounded queue of every
  subscriber whose types match (looked up by the event's class, not by scanning subscribers).
- Each subscriber has its own task and queue, so a slow one cannot stall the others; order is kept
  per subscriber.  When a queue is full the subscriber's overflow policy applies — ``drop_oldest``
  (default: the freshest state wins) or ``drop_newest`` — and the drop is counted.
- A subscriber's exception is logged and counted; it keeps receiving later events.
- ``subscribe`` returns a Subscription; calling it (or ``.close()``) unsubscribes.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, Literal

from caruso.core.component import Health
from caruso.errors import EventBusError
from caruso.events.base import Event

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]
Overflow = Literal["drop_oldest", "drop_newest"]


class Subscription:
    __slots__ = ("_bus", "name", "handler", "types", "maxsize", "overflow", "_queue", "_wakeup",
                 "_idle", "_task", "delivered", "dropped", "failed", "closed")

    def __init__(self, bus: EventBus, name: str, handler: Handler, types: tuple[type[Event], ...],
                 maxsize: int, overflow: Overflow) -> None:
        self._bus = bus
        self.name = name
        self.handler = handler
        self.types = types
        self.maxsize = maxsize
        self.overflow = overflow
        self._queue: collections.deque[Event] = collections.deque()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.dropped = 0
        self.failed = 0
        self.closed = False

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _offer(self, event: Event) -> None:
        queue = self._queue
        if len(queue) >= self.maxsize:
            self.dropped += 1
            self._bus.dropped += 1
            if self.overflow == "drop_newest":
                return
            queue.popleft()
        queue.append(event)
        self._idle.clear()
        self._wakeup.set()

    async def _pump(self) -> None:
        queue, wakeup = self._queue, self._wakeup
        while True:
            if not queue:
                self._idle.set()
                wakeup.clear()
                await wakeup.wait()
                continue
            event = queue.popleft()
            try:
                await self.handler(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failed += 1
                log.exception("event subscriber %r failed on %s", self.name, type(event).__name__)
            else:
                self.delivered += 1

    async def drain(self) -> None:
        """Wait until every event queued so far has been handled."""
        if self._task is not None and not self.closed:
            await self._idle.wait()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._bus._remove(self)

    __call__ = close


class EventBus:
    def __init__(self, *, subscriber_queue: int = 10_000, overflow: Overflow = "drop_oldest") -> None:
        self.subscriber_queue = subscriber_queue
        self.overflow: Overflow = overflow
        self._subs: list[Subscription] = []
        self._by_type: dict[type, tuple[Subscription, ...]] = {}
        self._running = False
        self.published = 0
        self.dropped = 0

    # subscribing --------------------------------------------------------------------------------
    def subscribe(self, handler: Handler, types: Iterable[type[Event]] = (Event,), *, name: str | None = None,
                  maxsize: int | None = None, overflow: Overflow | None = None) -> Subscription:
        if not asyncio.iscoroutinefunction(handler) and not asyncio.iscoroutinefunction(
            getattr(handler, "__call__", None)
        ):
            raise EventBusError(f"subscriber {handler!r} must be an async function")
        types = tuple(types)
        for tp in types:
            if not (isinstance(tp, type) and issubclass(tp, Event)):
                raise EventBusError(f"{tp!r} is not an Event class")
        sub = Subscription(self, name or getattr(handler, "__qualname__", repr(handler)), handler, types,
                           maxsize or self.subscriber_queue, overflow or self.overflow)
        self._subs.append(sub)
        self._by_type.clear()
        if self._running:
            self._start(sub)
        return sub

    def _start(self, sub: Subscription) -> None:
        sub._task = asyncio.get_running_loop().create_task(sub._pump(), name=f"event-subscriber:{sub.name}")

    def _remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
            self._by_type.clear()
        if sub._task is not None:
            sub._task.cancel()

    def _targets(self, tp: type) -> tuple[Subscription, ...]:
        targets = self._by_type.get(tp)
        if targets is None:
            targets = tuple(s for s in self._subs if issubclass(tp, s.types))
            self._by_type[tp] = targets
        return targets

    # publishing ---------------------------------------------------------------------------------
    def publish(self, event: Event) -> None:
        self.published += 1
        for sub in self._targets(type(event)):
            sub._offer(event)

    async def drain(self) -> None:
        """Wait until every subscriber has handled what was published so far (for tests and shutdown)."""
        for sub in list(self._subs):
            await sub.drain()

    # lifecycle ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self):  # type: ignore[no-untyped-def]
        self._running = True
        for sub in self._subs:
            if sub._task is None:
                self._start(sub)
        try:
            yield self
        finally:
            self._running = False
            tasks = [s._task for s in self._subs if s._task is not None]
            for sub in self._subs:
                if sub._task is not None:
                    sub._task.cancel()
                    sub._task = None
            await asyncio.gather(*tasks, return_exceptions=True)

    def health(self) -> Health:
        failing = [s.name for s in self._subs if s.failed]
        if failing:
            return Health.degraded(f"subscriber errors in {', '.join(failing[:3])}")
        return Health.ok(f"{len(self._subs)} subscribers, {self.published} published, {self.dropped} dropped")

    def stats(self) -> list[dict[str, Any]]:
        return [{"name": s.name, "pending": s.pending, "delivered": s.delivered, "dropped": s.dropped,
                 "failed": s.failed} for s in self._subs]
