"""A browser's WebSocket served from a fan-out Broadcaster (monitor, agent desktop).

The broadcaster's writer task sends; this reads what the browser sends ("resync" asks for a fresh
snapshot; anything else, pings included, is ignored) until the socket closes, then unregisters it.
"""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType, web

from caruso.monitor.fanout import Broadcaster


async def serve_broadcast(request: web.Request, broadcaster: Broadcaster) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=4096)
    await ws.prepare(request)
    client = await broadcaster.serve(ws)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and msg.data == "resync":
                client.needs_resync = True
                client.wakeup.set()
    finally:
        broadcaster.remove(client)
        if client.task is not None and not client.task.done():
            client.task.cancel()
            try:
                await client.task
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    raise  # we are being cancelled ourselves, not just the writer we stopped
    return ws
