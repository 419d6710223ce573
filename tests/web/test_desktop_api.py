"""The desktop's API without a browser: voicemails of my mailboxes only, outbound calls with consent,
state changes through the ACD."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import aiohttp

from caruso import keys
from caruso.storage.calls_repository import CallsRepository
from tests.web.conftest import PASSWORD
from tests.web.e2e import running_site


def wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)
    return path


async def login(url: str, user: str) -> tuple[aiohttp.ClientSession, str]:
    client = aiohttp.ClientSession(base_url=url, cookie_jar=aiohttp.CookieJar(unsafe=True))
    token = (await (await client.get("/api/session")).json())["csrf_token"]
    resp = await client.post("/api/login", json={"username": user, "password": PASSWORD},
                             headers={"X-CSRF-Token": token})
    return client, (await resp.json())["csrf_token"]


async def test_voicemails_of_my_mailboxes_only(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site:
        repo = CallsRepository(site.services.get(keys.STORAGE).database)
        mine = await repo.add_voicemail(mailbox="queue:sales", path=str(wav(tmp_path / "a.wav")),
                                        duration_seconds=1.0, caller_number="+33472000001")
        theirs = await repo.add_voicemail(mailbox="agent:ben", path=str(wav(tmp_path / "b.wav")), duration_seconds=1.0)
        ann, _ = await login(site.url, "ann")
        async with ann:
            listed = (await (await ann.get("/api/desktop/voicemails")).json())["voicemails"]
            assert [v["id"] for v in listed] == [mine.id] and listed[0]["listened"] is False
            audio = await ann.get(f"/api/desktop/voicemails/{mine.id}/audio")
            assert audio.status == 200 and (await audio.read())[:4] == b"RIFF"
            assert (await (await ann.get("/api/desktop/voicemails")).json())["voicemails"][0]["listened"] is True
            assert (await ann.get(f"/api/desktop/voicemails/{theirs.id}/audio")).status == 404
        ben, _ = await login(site.url, "ben")
        async with ben:
            listed = (await (await ben.get("/api/desktop/voicemails")).json())["voicemails"]
            assert [v["id"] for v in listed] == [theirs.id]


class Outbound:
    """The call flows' outbound side (needs a switch): records what it was asked to dial."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    async def call(self, target: str, *, agent: str | None = None, **_: object) -> str:
        self.calls.append((target, agent))
        return "answered"


class Flows:
    def __init__(self) -> None:
        self.outbound = Outbound()

    def lifespan(self):  # type: ignore[no-untyped-def]
        from contextlib import nullcontext
        return nullcontext()

    def health(self):  # type: ignore[no-untyped-def]
        from caruso.core.component import Health
        return Health.ok()


async def test_outbound_call_respects_consent_and_reports_the_outcome(tmp_path: Path) -> None:
    flows = Flows()
    async with running_site(tmp_path, {"ivr": flows}) as site:
        storage = site.services.get(keys.STORAGE)
        await storage.set_consent("+33472000002", "phone", "service", "opt_out", source="test")
        ann, token = await login(site.url, "ann")
        async with ann, ann.ws_connect("/api/desktop/ws") as ws:
            await ws.receive(timeout=60)                       # the snapshot
            refused = await ann.post("/api/desktop/outbound", json={"number": "+33472000002"},
                                     headers={"X-CSRF-Token": token})
            assert refused.status == 409 and (await refused.json())["error"] == "consent_withdrawn"
            resp = await ann.post("/api/desktop/outbound", json={"number": "+33472000001"},
                                  headers={"X-CSRF-Token": token})
            assert resp.status == 202
            outcomes = []
            while "answered" not in outcomes:
                for m in json.loads((await ws.receive(timeout=60)).data):
                    if m["type"] == "outbound":
                        outcomes.append(m["outcome"])
            assert flows.outbound.calls == [("+33472000001", "ann")]


async def test_state_changes_go_through_the_acd(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site:
        ann, token = await login(site.url, "ann")
        async with ann:
            bad = await ann.post("/api/desktop/state", json={"state": "paused"}, headers={"X-CSRF-Token": token})
            assert bad.status == 400 and (await bad.json())["details"] == {"field": "reason"}
            ok = await ann.post("/api/desktop/state", json={"state": "paused", "reason": "lunch"},
                                headers={"X-CSRF-Token": token})
            assert ok.status == 200 and (await ok.json())["state"] == "paused"
            assert site.acd.core.agents["ann"].state.value == "paused"
            assert site.acd.core.agents["ann"].reason == "lunch"
        sue, token = await login(site.url, "sue")
        async with sue:                                       # a supervisor who works as no agent
            resp = await sue.post("/api/desktop/state", json={"state": "ready"}, headers={"X-CSRF-Token": token})
            assert resp.status == 403 and (await resp.json())["error"] == "not_an_agent"


async def test_a_campaign_call_pops_the_contact_and_runs_the_campaign_script(tmp_path: Path) -> None:
    from caruso.dialer.events import CampaignCallConnected, CampaignProgress

    async with running_site(tmp_path) as site:
        bus = site.services.get(keys.EVENTS)
        sue, _ = await login(site.url, "sue")
        ann, token = await login(site.url, "ann")
        async with ann, sue, ann.ws_connect("/api/desktop/ws") as ws, sue.ws_connect("/api/monitor/ws") as mon:
            await ws.receive(timeout=60)
            await mon.receive(timeout=60)
            bus.publish(CampaignCallConnected(campaign="winback", call_id="out-1", agent="ann", contact_id=7,
                                              number="+33472000001", script="quick-check"))
            bus.publish(CampaignProgress(campaign="winback", status="running", dialed=3, answered=1))
            script = None
            while script is None:
                for m in json.loads((await ws.receive(timeout=60)).data):
                    if m["type"] == "update" and m["script"]:
                        script = m
            assert script["offer"]["campaign"] == "winback" and script["offer"]["customer"]["values"]["lastName"] == "Bernard"
            assert script["script"]["question"]["step"] == "topic"
            campaign = json.loads((await mon.receive(timeout=60)).data)[0]
            assert campaign["type"] == "campaign" and campaign["campaign"]["dialed"] == 3
            resp = await ann.post("/api/desktop/disposition", json={"disposition": "sale"},
                                  headers={"X-CSRF-Token": token})
            assert resp.status == 200


async def test_a_caller_id_that_is_no_phone_number_still_starts_the_agent_script(tmp_path: Path) -> None:
    """SIP callers may present a user name ("sip:caller@host"): the screen pop finds no customer and the
    queue's script starts anyway, as in the interpreter's own look-up."""
    from caruso.storage.script_runs_repository import ScriptRunsRepository
    from caruso.web.desktop_script import DesktopRun

    async with running_site(tmp_path) as site:
        storage = site.services.get(keys.STORAGE)  # type: ignore[attr-defined]
        scripts = site.services.get(keys.SCRIPTS)  # type: ignore[attr-defined]
        run = DesktopRun(site.services, scripts, ScriptRunsRepository(storage.database),  # type: ignore[arg-type]
                         agent="ann", call="c-1", customer=None)
        await run.start("quick-check", {"caller": "caller"}, {})
        assert run.state is not None and not run.state.ended
        assert run.question is not None
        assert run.state.current.objects.get("customer") is None
