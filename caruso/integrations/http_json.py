"""A legacy system reached over HTTP with JSON, as a service an admin wires in with a descriptor:

    # services/erp.toml
    name = "erp"
    class = "caruso.integrations.http_json:HttpJsonService"
    [settings]
    base_url = "http://erp.internal:8000/api"
    health_path = "ping"

Scripts and other components call it through the service manager:
``await services.get("erp").call("invoice_balance", {"account": "A-17"})`` POSTs the parameters as JSON
to ``<base_url>/invoice_balance`` and returns the decoded JSON answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.errors import CarusoError


class IntegrationError(CarusoError):
    """The wrapped system answered with an error or could not be reached."""


@dataclass(frozen=True)
class HttpJsonSettings:
    base_url: str
    timeout: float = 5.0
    headers: dict[str, str] = field(default_factory=dict)
    health_path: str | None = None

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")


class HttpJsonService:
    Settings = HttpJsonSettings

    def __init__(self, ctx: ServiceContext) -> None:
        self.name = ctx.name
        self.settings: HttpJsonSettings = ctx.settings
        self._session: aiohttp.ClientSession | None = None
        self._last_error: str | None = None

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout, headers=self.settings.headers)
        try:
            if self.settings.health_path:
                await self._request("GET", self.settings.health_path, None)
            yield
        finally:
            await self._session.close()
            self._session = None

    def _url(self, operation: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/{operation.lstrip('/')}"

    async def _request(self, method: str, operation: str, params: dict[str, Any] | None) -> Any:
        if self._session is None:
            raise IntegrationError(f"service {self.name!r} is not running")
        url = self._url(operation)
        try:
            async with self._session.request(method, url, json=params) as resp:
                if resp.status >= 400:
                    text = (await resp.text())[:200]
                    raise IntegrationError(f"{self.name}: {method} {url} answered {resp.status}: {text}")
                body = await resp.json(content_type=None) if resp.content_length != 0 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            self._last_error = f"{type(exc).__name__}: {exc}"
            raise IntegrationError(f"{self.name}: {method} {url} failed: {self._last_error}") from exc
        except IntegrationError as exc:
            self._last_error = str(exc)
            raise
        self._last_error = None
        return body

    async def call(self, operation: str, params: dict[str, Any] | None = None) -> Any:
        return await self._request("POST", operation, params or {})

    def health(self) -> Health:
        if self._session is None:
            return Health.down("not running")
        if self._last_error:
            return Health.degraded(f"last call failed: {self._last_error}")
        return Health.ok(self.settings.base_url)
