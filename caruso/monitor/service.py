"""MonitorService: keeps the live status projection up to date from the event bus and fans it out.

On start it seeds the projection from the ACD's current state (agents, queues) and today's counters
from storage (so a restart does not zero the day), then follows the bus.  Browsers attach through
``attach(socket)`` (see caruso/web/monitor_api.py).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from datetime import time as dtime
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from caruso import keys
from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.events.bus import EventBus, Subscription
from caruso.monitor.fanout import Broadcaster, Client, Socket
from caruso.monitor.inbound import EVENT_TYPES, Inbound
from caruso.monitor.projection import Message, StatusProjection

log = logging.getLogger(__name__)


class MonitorService:
    @dataclass(frozen=True)
    class Settings:
        socket_queue: int = 1000        # messages queued per browser before it is resynchronised instead
        send_timeout: float = 10.0      # a browser that takes longer to accept a frame is disconnected

    def __init__(self, ctx: ServiceContext | None = None, *, bus: EventBus | None = None,
                 settings: MonitorService.Settings | None = None, clock: Callable[[], float] = time.time) -> None:
        self._services = ctx.services if ctx is not None else None
        cfg = settings or (ctx.settings if ctx is not None and ctx.settings is not None else self.Settings())
        self._bus = bus
        self.projection = StatusProjection(clock=clock)
        self.broadcaster = Broadcaster(self._snapshot_text, queue_size=cfg.socket_queue,
                                       send_timeout=cfg.send_timeout)
        self._inbound = Inbound(self.projection, self.publish)
        self._subscription: Subscription | None = None
        self.events = 0

    def _snapshot_text(self) -> str:
        return json.dumps(self.projection.snapshot())

    def snapshot(self) -> Message:
        return self.projection.snapshot()

    def publish(self, messages: list[Message]) -> None:
        for message in messages:
            self.broadcaster.publish(json.dumps(message))

    async def handle(self, event: Any) -> None:
        self.events += 1
        self._inbound.apply(event)

    async def attach(self, socket: Socket) -> Client:
        return await self.broadcaster.serve(socket)

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        services = self._services
        bus = self._bus or (services.get(keys.EVENTS) if services is not None else None)
        if services is not None:
            await self._inbound.seed(services)
            await self._seed_today(services)
        if bus is not None:
            self._subscription = bus.subscribe(self.handle, EVENT_TYPES, name="monitor", overflow="drop_oldest")
        try:
            yield
        finally:
            if self._subscription is not None:
                self._subscription.close()
                self._subscription = None
            await self.broadcaster.close()

    async def _seed_today(self, services: Any) -> None:
        """Today's counters from the stored call records, so a restart does not zero the day."""
        storage = services.find(keys.STORAGE)
        if storage is None:
            return
        from caruso.reports.compute import compute
        from caruso.reports.facts import Period
        from caruso.storage.reports_repository import ReportsRepository

        start = datetime.combine(date.today(), dtime()).astimezone()
        report = compute(await ReportsRepository(storage.database).facts(Period(start, start + timedelta(days=1))))
        for queue, counters in report.queues.items():
            self.projection.seed_today(queue, counters, start.date())

    def health(self) -> Health:
        return Health.ok(f"{self.broadcaster.clients} browsers, {self.events} events")
