"""The live status monitor: the page, a snapshot, and the WebSocket that pushes every change.

``GET /api/monitor/ws`` (supervisor or admin; same-origin only): the first frame holds a snapshot,
every later frame a JSON array of messages (``snapshot``, ``agent``, ``queue``, ``campaign``).
"""

from __future__ import annotations


from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.web.keys import SERVICES
from caruso.web.pages import render
from caruso.web.security import access
from caruso.web.sockets import serve_broadcast


@access(Role.SUPERVISOR)
async def monitor_page(request: web.Request) -> web.Response:
    return await render(request, "monitor.html")


@access(Role.SUPERVISOR)
async def snapshot(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICES].get(keys.MONITOR).snapshot())


@access(Role.SUPERVISOR)
async def socket(request: web.Request) -> web.WebSocketResponse:
    return await serve_broadcast(request, request.app[SERVICES].get(keys.MONITOR).broadcaster)


def setup(app: web.Application) -> None:
    app.router.add_get("/monitor", monitor_page)
    app.router.add_get("/api/monitor/snapshot", snapshot)
    app.router.add_get("/api/monitor/ws", socket)
