"""The live status monitor: the page, a snapshot, and the WebSocket that pushes every change.

``GET /api/monitor/ws`` (supervisor or admin; same-origin only): the first frame holds a snapshot,
every later frame a JSON array of messages (``snapshot``, ``agent``, ``queue``, ``campaign``).
"""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType, web

from caruso import keys
from caruso.auth.roles import Role
from caruso.web.keys import SERVICES
from caruso.web.pages import render
from caruso.web.security import access


@access(Role.SUPERVISOR)
async def monitor_page(request: web.Request) -> web.Response:
    return await render(request, "monitor.html")


@access(Role.SUPERVISOR)
async def snapshot(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICES].get(keys.MONITOR).snapshot())


@access(Role.SUPERVISOR)
async def socket(request: web.Request) -> web.WebSocketResponse:
    monitor = request.app[SERVICES].get(keys.MONITOR)
    ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=4096)
    await ws.prepare(request)
    client = await monitor.attach(ws)
    try:
        async for msg in ws:           # the browser only sends pings; anything else is ignored
            if msg.type == WSMsgType.TEXT and msg.data == "resync":
                client.needs_resync = True
                client.wakeup.set()
    finally:
        monitor.broadcaster.remove(client)
        if client.task is not None and not client.task.done():
            client.task.cancel()
            try:
                await client.task
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    raise
    return ws


def setup(app: web.Application) -> None:
    app.router.add_get("/monitor", monitor_page)
    app.router.add_get("/api/monitor/snapshot", snapshot)
    app.router.add_get("/api/monitor/ws", socket)
