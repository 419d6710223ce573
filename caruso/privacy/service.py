"""The privacy service (services/privacy.toml): runs the retention job once a day at ``[privacy]
retention_at`` (UTC) in one tracked task, and offers erasure and export to the web app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from typing import Any

from caruso import keys
from caruso.config import PrivacySettings
from caruso.core.component import Health
from caruso.privacy.model import RetentionCounts
from caruso.privacy.retention import Clock, run_retention, utc_now

log = logging.getLogger(__name__)


def next_run(now: datetime, at: str) -> datetime:
    """The next time of day *at* ("HH:MM", UTC) strictly after *now*."""
    hour, _, minute = at.partition(":")
    when = datetime.combine(now.date(), time(int(hour), int(minute or 0)), tzinfo=now.tzinfo)
    return when if when > now else when + timedelta(days=1)


class PrivacyService:
    def __init__(self, ctx: Any, *, clock: Clock = utc_now,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._services = ctx.services
        self.settings: PrivacySettings = ctx.config.privacy
        self._clock, self._sleep = clock, sleep
        self._task: asyncio.Task[None] | None = None
        self.last_run: datetime | None = None
        self.last_counts: RetentionCounts | None = None
        self.last_error: str | None = None

    @property
    def storage(self) -> Any:
        return self._services.get(keys.STORAGE)

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        next_run(self._clock(), self.settings.retention_at)    # a bad retention_at fails the start
        self._task = asyncio.get_running_loop().create_task(self._daily(), name="privacy-retention")
        try:
            yield
        finally:
            task, self._task = self._task, None
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    raise

    def health(self) -> Health:
        if self._task is None:
            return Health.down("not started")
        if self.last_error is not None:
            return Health.degraded(f"last retention run failed: {self.last_error}")
        return Health.ok(f"retention daily at {self.settings.retention_at} UTC"
                         + (f", last run {self.last_run:%Y-%m-%d %H:%M}" if self.last_run else ""))

    async def run_retention(self, *, dry_run: bool = False) -> RetentionCounts:
        counts = await run_retention(self.storage, self.settings, clock=self._clock, dry_run=dry_run)
        if not dry_run:
            self.last_run, self.last_counts, self.last_error = self._clock(), counts, None
        return counts

    async def _daily(self) -> None:
        while True:
            now = self._clock()
            await self._sleep((next_run(now, self.settings.retention_at) - now).total_seconds())
            try:
                await self.run_retention()
            except Exception as exc:     # logged and shown in health; tomorrow's run tries again
                self.last_error = str(exc) or type(exc).__name__
                log.exception("retention run failed")
