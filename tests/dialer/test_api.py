"""The campaigns JSON API with the real dialer service, ACD service and storage: roles, CSRF, progress,
the gate at dial time (withdrawn consent, do-not-call, another time zone) and the explained decisions."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from caruso import keys
from caruso.acd.model import AgentConfig, AgentState, Membership, QueueConfig
from caruso.acd.service import AcdService
from caruso.config import load_config
from caruso.core.descriptors import ServiceContext
from caruso.dialer.errors import CallbackRejected
from caruso.dialer.events import DialBlocked
from caruso.dialer.service import DialerService
from caruso.storage.campaign_repository import NewContact
from caruso.web.app import create_app
from tests.web.conftest import WebEnv, api_login, make_services, template_database

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)     # Monday 11:00 in Paris, 05:00 in New York
CLOCK = [NOW.timestamp()]                           # the dialer's and the ACD's injected clock


def clock() -> float:
    return CLOCK[0]


@pytest.fixture
async def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[WebEnv, list[Any]]]:
    shutil.copyfile(await template_database(tmp_path_factory), tmp_path / "caruso.db")
    config = load_config(env={"CARUSO_SERVER__DATA_DIR": str(tmp_path), "CARUSO_SERVER__TELEPHONY": "none",
                              "CARUSO_SCRIPTS__WATCH": "false", "CARUSO_DIALER__TICK_SECONDS": "0.05"})
    services, bus, storage, auth, monitor = make_services(config)
    CLOCK[0] = NOW.timestamp()
    acd = AcdService(ServiceContext("acd", config, AcdService.Settings(load_from_storage=False), services),
                     clock=clock)
    services.register(keys.ACD, acd, depends_on=["events"])
    services.register(keys.DIALER, DialerService(ServiceContext("dialer", config, None, services),
                                                 clock=clock), depends_on=["storage", "acd"])
    events: list[Any] = []

    async def collect(event: Any) -> None:
        events.append(event)

    await services.start()
    bus.subscribe(collect, (DialBlocked,), name="test")
    acd.set_queue(QueueConfig("sales"))
    acd.set_agent(AgentConfig("dana", phone="dana", queues=(Membership("sales"),), wrap_up=5))
    acd.agent_state("dana", AgentState.READY)
    server = TestServer(create_app(services))
    await server.start_server()
    try:
        yield WebEnv(services, auth, storage.database, server, bus, monitor), events
    finally:
        await server.close()
        await services.stop()


async def until(predicate: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_a_campaign_through_the_api(env: tuple[WebEnv, list[Any]]) -> None:
    web_env, events = env
    storage = web_env.services.get(keys.STORAGE)
    async with web_env.client() as admin, web_env.client() as agent:
        token = await api_login(admin, "alice")
        headers = {"X-CSRF-Token": token}
        spec = {"name": "spring", "mode": "progressive", "purpose": "marketing", "queue": "sales",
                "calling_windows": [{"start": "09:00", "end": "20:00", "days": [0, 1, 2, 3, 4]}]}
        resp = await admin.post("/api/campaigns", json=spec)
        assert resp.status == 403 and (await resp.json())["error"] == "csrf_failed"
        resp = await admin.post("/api/campaigns", json=spec, headers=headers)
        assert resp.status == 201, await resp.text()
        resp = await admin.post("/api/campaigns", json={**spec, "ring_timeout": 10}, headers=headers)
        assert resp.status == 400 and "ring_timeout" in (await resp.json())["message"]
        await storage.set_consent("+33142685301", "phone", "marketing", "opt_in", source="web form",
                                  at=datetime(2026, 1, 1, tzinfo=UTC))
        await storage.set_consent("+12125550123", "phone", "marketing", "opt_in", source="web form",
                                  at=datetime(2026, 1, 1, tzinfo=UTC))
        resp = await admin.post("/api/campaigns/spring/contacts", headers=headers, json={"contacts": [
            {"number": "01 42 68 53 01"}, {"number": "+33142685302"}, {"number": "+1 212 555 0123"}]})
        assert (await resp.json()) == {"added": 3}
        # withdrawn, and put on the do-not-call list, after the list was loaded, before anything was dialed
        await storage.consent.suppress("+33142685302", channel="phone", reason="DNC register")
        await storage.set_consent("+33142685301", "phone", "marketing", "opt_out", source="e-mail",
                                  at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

        agent_token = await api_login(agent, "bob")
        resp = await agent.post("/api/campaigns/spring/start", headers={"X-CSRF-Token": agent_token})
        assert resp.status == 403
        resp = await admin.post("/api/campaigns/spring/start", headers=headers)
        assert (await resp.json()) == {"name": "spring", "status": "running"}

        async def settled() -> bool:
            status = await (await admin.get("/api/campaigns/spring")).json()
            return len(events) == 3 and status["progress"]["blocked"] == 2 and status["contacts"].get("pending") == 1
        await until(settled)
        status = await (await admin.get("/api/campaigns/spring")).json()
        assert status["progress"]["dialed"] == 0 and status["progress"]["remaining"] == 1
        assert sorted(e.reason for e in events) == ["consent_withdrawn", "do_not_call", "outside_window"]
        assert "America/New_York" in next(e.detail for e in events if e.reason == "outside_window")

        decisions = (await (await admin.get("/api/campaigns/spring/decisions")).json())["decisions"]
        assert decisions and decisions[0]["mode"] == "progressive"
        assert decisions[0]["inputs"]["agents_ready"] == 1 and "one line per ready agent" in decisions[0]["reason"]

        resp = await admin.post("/api/campaigns/spring/pause", headers=headers)
        assert (await resp.json())["status"] == "paused"
        resp = await admin.post("/api/campaigns/spring/pause", headers=headers)
        assert resp.status == 200
        resp = await admin.post("/api/campaigns/nope/start", headers=headers)
        assert resp.status == 404 and (await resp.json())["error"] == "not_found"
        listing = (await (await admin.get("/api/campaigns")).json())["campaigns"]
        assert [(c["name"], c["status"]) for c in listing] == [("spring", "paused")]
        resp = await admin.post("/api/campaigns/spring/stop", headers=headers)
        resp = await admin.post("/api/campaigns/spring/pause", headers=headers)
        assert resp.status == 409 and (await resp.json())["error"] == "conflict"


async def test_callbacks_come_at_the_promised_time_and_preview_shows_then_gates(env: tuple[WebEnv, list[Any]]) -> None:
    web_env, events = env
    dialer = web_env.services.get(keys.DIALER)
    acd = web_env.services.get(keys.ACD)
    storage = web_env.services.get(keys.STORAGE)
    customer = await storage.objects.create("Customer", {"number": "C-9", "lastName": "Petit",
                                                         "phone": "+33142685309"})
    await dialer.create({"name": "care", "mode": "preview", "purpose": "service", "queue": "sales"})
    await dialer.add_contacts("care", [NewContact("+33142685309", customer=customer.ref)])
    await dialer.start("care")
    shown = await dialer.preview_next("care", "dana")
    assert shown["contact"]["number"] == "+33142685309" and shown["customer"]["lastName"] == "Petit"
    assert (await dialer.preview_next("care", "dana"))["contact"]["id"] == shown["contact"]["id"]   # kept for her
    contact_id = shown["contact"]["id"]

    # she promises a callback in an hour; before then nothing happens, at the time it is placed
    due = CLOCK[0] + 3600
    with pytest.raises(CallbackRejected):
        await dialer.schedule_callback("care", contact_id, CLOCK[0] + 12 * 3600, agent="dana")   # 23:00 Paris
    await dialer.schedule_callback("care", contact_id, due, agent="dana")
    await storage.set_consent(customer, "phone", "service", "opt_out", source="e-mail",
                              at=datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    CLOCK[0] = due - 1
    await asyncio.sleep(0.3)
    assert len(await dialer.repository.pending_callbacks()) == 1 and not events
    CLOCK[0] = due
    async with asyncio.timeout(10):
        while not events:
            await asyncio.sleep(0.05)
    # reserved dana, asked the gate at the promised time: the customer withdrew meanwhile, so no call
    assert [(e.campaign, e.reason) for e in events] == [("care", "consent_withdrawn")]
    assert await dialer.repository.pending_callbacks() == []
    assert acd.core.agents["dana"].state is AgentState.READY          # given back
    # the preview dial is gated too
    result = await dialer.preview_dial("care", "dana", contact_id)
    assert result == "blocked" and acd.core.agents["dana"].state is AgentState.READY
