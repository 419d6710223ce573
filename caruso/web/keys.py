from __future__ import annotations

from aiohttp import web

from caruso.core.manager import ServiceManager

SERVICES = web.AppKey("services", ServiceManager)
