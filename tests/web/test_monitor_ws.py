"""The monitor's WebSocket through the real app: roles, origin, snapshot first, live updates from ACD events."""

from __future__ import annotations

import json

import aiohttp
import pytest

from caruso.acd.events import AgentStateChanged, CallAnswered, CallQueued
from tests.web.conftest import WebEnv, api_login


async def next_messages(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, object]]:
    msg = await ws.receive(timeout=10)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def test_supervisor_gets_snapshot_then_live_updates(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        await api_login(client, "sam")
        async with client.ws_connect("/api/monitor/ws") as ws:
            [snap] = await next_messages(ws)
            assert snap["type"] == "snapshot" and snap["queues"] == [] and snap["agents"] == []
            web_env.bus.publish(AgentStateChanged(agent="ann", old="logged_out", new="ready", time_in_previous=0.0))
            web_env.bus.publish(CallQueued(call="c1", queue="sales", position=1, ewt=12.0, caller="+33123"))
            got: list[dict[str, object]] = []
            while len(got) < 2:
                got += await next_messages(ws)
            assert got[0]["type"] == "agent" and got[0]["agent"]["state"] == "ready"      # type: ignore[index]
            queue = got[1]["queue"]
            assert queue["waiting"] == 1 and queue["calls"][0]["caller"] == "+33123"   # type: ignore[index]
            web_env.bus.publish(CallAnswered(call="c1", queue="sales", agent="ann", waited=4.0))
            [update] = await next_messages(ws)
            assert update["queue"]["waiting"] == 0 and update["queue"]["today"]["answered"] == 1  # type: ignore[index]
        # a reconnecting browser resynchronises from a snapshot with the same figures
        async with client.ws_connect("/api/monitor/ws") as ws:
            [snap] = await next_messages(ws)
            assert snap["queues"][0]["today"]["offered"] == 1 and snap["agents"][0]["state"] == "ready"  # type: ignore[index]


async def test_agents_and_other_sites_cannot_open_the_monitor_socket(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        with pytest.raises(aiohttp.WSServerHandshakeError) as anon:
            await client.ws_connect("/api/monitor/ws")
        assert anon.value.status == 401
        await api_login(client, "bob")
        with pytest.raises(aiohttp.WSServerHandshakeError) as agent:
            await client.ws_connect("/api/monitor/ws")
        assert agent.value.status == 403
    async with web_env.client() as client:
        await api_login(client, "sam")
        with pytest.raises(aiohttp.WSServerHandshakeError) as cross:
            await client.ws_connect("/api/monitor/ws", origin="https://evil.example")
        assert cross.value.status == 403
