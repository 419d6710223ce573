"""The monitor's WebSocket through the real app: roles, origin, snapshot first, live updates from ACD events."""

from __future__ import annotations

import json

import aiohttp
import pytest

from caruso.acd.events import AgentStateChanged, CallAnswered, CallQueued
from tests.web.conftest import WebEnv, api_login


async def next_messages(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, object]]:
    msg = await ws.receive(timeout=60)
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


async def test_a_restarted_monitor_takes_todays_counters_from_storage(web_env: WebEnv) -> None:
    from datetime import UTC, datetime, timedelta

    from caruso.monitor.service import MonitorService
    from caruso.storage.calls_repository import CallRecord, CallsRepository
    from caruso.storage.admin_repository import AdminRepository

    await AdminRepository(web_env.db).save_queue({"name": "sales"})
    now = datetime.now(UTC)
    repo = CallsRepository(web_env.db)
    for i, outcome in enumerate(("answered", "abandoned", "answered")):
        await repo.save_call(CallRecord(id=f"c{i}", arrived_at=now, queued_at=now, queue="sales",
                                        answered_at=now + timedelta(seconds=3) if outcome == "answered" else None,
                                        wait_seconds=3.0, outcome=outcome))
    fresh = MonitorService(bus=web_env.bus)
    await fresh._seed_today(web_env.services)
    [queue] = fresh.snapshot()["queues"]
    assert (queue["today"]["offered"], queue["today"]["answered"], queue["today"]["abandoned"]) == (3, 2, 1)
