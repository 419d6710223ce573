"""``GET /health``: each service's state, no login needed, no secrets."""

from __future__ import annotations

from aiohttp import web

from caruso import __version__
from caruso.core.component import HealthState
from caruso.web.keys import SERVICES


async def health(request: web.Request) -> web.Response:
    report = request.app[SERVICES].health()
    states = {h.state for h in report.values()}
    overall = (HealthState.DOWN if HealthState.DOWN in states
               else HealthState.DEGRADED if HealthState.DEGRADED in states else HealthState.OK)
    body = {
        "status": overall.value,
        "version": __version__,
        "services": {name: h.as_dict() for name, h in report.items()},
    }
    return web.json_response(body, status=503 if overall is HealthState.DOWN else 200)


def setup(app: web.Application) -> None:
    app.router.add_get("/health", health)
