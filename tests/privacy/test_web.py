"""The audit trail through the running web side: a screen pop, a recording played and an admin edit each
leave an audit row (without the customer's values); admins search and export it, erase and export
customers through the API; others are refused."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from caruso import keys
from caruso.auth.roles import Role
from caruso.storage.calls_repository import CallsRepository
from tests.web.conftest import PASSWORD
from tests.web.e2e import running_site
from tests.web.test_desktop_api import login, wav


async def _next_offer(ws) -> dict:  # type: ignore[no-untyped-def]
    while True:
        data = json.loads((await ws.receive(timeout=20)).data)
        for message in data if isinstance(data, list) else [data]:
            if message.get("type") == "offer":
                return message["offer"]


async def test_screen_pop_recording_and_admin_edit_are_audited(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site:
        storage = site.services.get(keys.STORAGE)
        await site.services.get(keys.AUTH).create_user("alice", PASSWORD, Role.ADMIN)
        customer = (await storage.objects.find("Customer", {"number": "C900001"}))[0]
        target = f"Customer:{customer.key}"
        vm = await CallsRepository(storage.database).add_voicemail(
            mailbox="queue:sales", path=str(wav(tmp_path / "vm.wav")), duration_seconds=1.0,
            caller_number="+33472000001")
        ann, token = await login(site.url, "ann")
        async with ann, ann.ws_connect("/api/desktop/ws") as ws:
            await ann.post("/api/desktop/state", json={"state": "ready"}, headers={"X-CSRF-Token": token})
            site.acd.offer("call-1", "sales", caller="+33472000001")
            offer = await _next_offer(ws)
            assert offer["customer"]["key"] == str(customer.key)
            audio = await ann.get(f"/api/desktop/voicemails/{vm.id}/audio")
            assert audio.status == 200
            denied = await ann.get("/api/privacy/audit")
            assert denied.status == 403
        alice, token = await login(site.url, "alice")
        async with alice:
            shown = await alice.get(f"/api/privacy/customers/Customer/{customer.key}")
            assert shown.status == 200 and (await shown.json())["values"]["lastName"] == "Bernard"
            edited = await alice.patch(f"/api/privacy/customers/Customer/{customer.key}", json={"city": "Paris"},
                                       headers={"X-CSRF-Token": token})
            assert edited.status == 200 and (await edited.json())["values"]["city"] == "Paris"
            no_csrf = await alice.patch(f"/api/privacy/customers/Customer/{customer.key}", json={"city": "Nice"})
            assert no_csrf.status == 403
            entries = (await (await alice.get(f"/api/privacy/audit?target={target}")).json())["entries"]
            assert [(e["actor"], e["action"], e["details"].get("via")) for e in entries] == [
                ("alice", "customer.update", None), ("alice", "customer.view", "admin api"),
                ("ann", "customer.view", "screen pop")]
            assert entries[0]["details"] == {"attributes": ["city"]}
            played = (await (await alice.get("/api/privacy/audit?action=recording.play")).json())["entries"]
            assert [(e["actor"], e["target_kind"], e["target_id"]) for e in played] == [("ann", "voicemail",
                                                                                         str(vm.id))]
            text = await (await alice.get("/api/privacy/audit.csv?action=customer.")).text()
            rows = list(csv.DictReader(io.StringIO(text)))
            assert [r["action"] for r in rows] == ["customer.update", "customer.view", "customer.view"]
            everything = json.dumps(entries + played) + text
            assert "Bernard" not in everything and "+33472000001" not in everything and "Paris" not in everything

            export = await alice.post("/api/privacy/export", json={"customer": "number=C900001"},
                                      headers={"X-CSRF-Token": token})
            assert export.status == 200
            with zipfile.ZipFile(io.BytesIO(await export.read())) as zf:
                document = json.loads(zf.read("export.json"))
                assert any(n.startswith("recordings/") for n in zf.namelist())
            assert {i["kind"] for i in document["items"]} >= {"object:Customer", "voicemails", "contact_history"}
            dry = await alice.post("/api/privacy/erase", json={"customer": "number=C900001", "dry_run": True},
                                   headers={"X-CSRF-Token": token})
            report = (await dry.json())["report"]
            assert report["dry_run"] and report["places"]["voicemails"]["count"] == 1
            erased = await alice.post("/api/privacy/erase", json={"customer": "number=C900001"},
                                      headers={"X-CSRF-Token": token})
            assert (await erased.json())["report"]["places"] == report["places"]
            assert not (tmp_path / "vm.wav").exists()
            unknown = await alice.post("/api/privacy/erase", json={"customer": "number=C-none"},
                                       headers={"X-CSRF-Token": token})
            assert unknown.status == 404
            page = await alice.get("/admin/privacy")
            assert page.status == 200 and "privacy.js" in await page.text()
        sue, token = await login(site.url, "sue")
        async with sue:
            refused = await sue.post("/api/privacy/erase", json={"customer": "number=C900001"},
                                     headers={"X-CSRF-Token": token})
            assert refused.status == 403
