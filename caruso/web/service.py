"""The web service: serves the aiohttp app on the configured address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.web.app import create_app


class WebService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._services = ctx.services
        self.host = ctx.config.web.host
        self.port = ctx.config.web.port
        self._runner: web.AppRunner | None = None
        self.app: web.Application | None = None

    @property
    def bound_port(self) -> int:
        """The real port (useful when configured as 0)."""
        if self._runner is None or not self._runner.addresses:
            return self.port
        return int(self._runner.addresses[0][1])

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        self.app = create_app(self._services)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        try:
            site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
            await site.start()
            yield
        finally:
            await self._runner.cleanup()
            self._runner = None

    def health(self) -> Health:
        if self._runner is None:
            return Health.down("not serving")
        return Health.ok(f"http://{self.host}:{self.bound_port}/")
