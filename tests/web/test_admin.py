"""Admin API: agents, queues, skills (audited), models, scripts upload/preview/graph — and agents kept out."""

from __future__ import annotations

import aiohttp

from tests.web.conftest import WebEnv, api_login

BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script SYSTEM "caruso-script.dtd">
<script id="tiny" title="Tiny" version="1" start="ask" channels="agent">
  <question id="ask" type="text" var="nothing" next="nowhere">
    <text>Hello?</text>
  </question>
</script>
"""

GOOD = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script SYSTEM "caruso-script.dtd">
<script id="tiny" title="Tiny" version="1" start="ask" channels="agent">
  <var name="name" type="text"/>
  <question id="ask" type="text" var="name" next="bye">
    <text>Name?</text>
  </question>
  <end id="bye" outcome="done">
    <text>Bye {name}.</text>
  </end>
</script>
"""


async def test_agents_queues_skills_round_trip_and_audit(web_env: WebEnv) -> None:
    async with web_env.client() as admin:
        token = await api_login(admin, "alice")
        h = {"X-CSRF-Token": token}
        assert (await admin.put("/api/admin/skills/billing", json={"description": "bills"}, headers=h)).status == 200
        resp = await admin.put("/api/admin/queues/sales", headers=h, json={
            "label": "Sales", "strategy": "ring_all", "skills": {"billing": 2},
            "settings": {"script": "billing-dispute", "service_level_seconds": 30}})
        assert resp.status == 200, await resp.text()
        resp = await admin.put("/api/admin/agents/ann", headers=h, json={
            "name": "Ann", "extension": "sip:ann@example", "wrapup_seconds": 10, "skills": {"billing": 3},
            "queues": {"sales": 0}})
        agent = (await resp.json())["agent"]
        assert agent["skills"] == {"billing": 3} and agent["queues"] == {"sales": 0}
        bad = await admin.put("/api/admin/agents/ann", headers=h, json={"skills": {"klingon": 1}})
        assert bad.status == 400 and "klingon" in (await bad.json())["message"]
        queues = (await (await admin.get("/api/admin/queues")).json())["queues"]
        assert queues[0]["settings"]["script"] == "billing-dispute" and queues[0]["skills"] == {"billing": 2}
        gone = await admin.delete("/api/admin/skills/nothing", headers=h)
        assert gone.status == 404
        audit = (await (await admin.get("/api/audit?kind=queue")).json())["entries"]
        assert [(e["actor"], e["action"], e["target_id"]) for e in audit] == [("alice", "queue.save", "sales")]


async def test_models_are_listed_read_only(web_env: WebEnv) -> None:
    async with web_env.client() as admin:
        await api_login(admin, "alice")
        models = (await (await admin.get("/api/admin/models")).json())["models"]
        customer = next(m for m in models if m["name"] == "Customer")
        assert any(a["callerid"] for a in customer["attributes"])
        token = await api_login(admin, "alice")
        resp = await admin.put("/api/admin/models", json={}, headers={"X-CSRF-Token": token})
        assert resp.status == 405


async def test_script_upload_reports_line_numbers_and_keeps_nothing_broken(web_env: WebEnv) -> None:
    async with web_env.client() as admin:
        token = await api_login(admin, "alice")
        form = aiohttp.FormData()
        form.add_field("file", BROKEN, filename="tiny.xml", content_type="application/xml")
        resp = await admin.post("/api/admin/scripts", data=form, headers={"X-CSRF-Token": token})
        body = await resp.json()
        assert resp.status == 422 and body["error"] == "invalid_script"
        assert any(p["line"] == 4 and "nowhere" in p["message"] for p in body["details"]), body
        listed = (await (await admin.get("/api/admin/scripts")).json())["scripts"]
        assert "tiny" not in {s["id"] for s in listed}
        form = aiohttp.FormData()
        form.add_field("file", GOOD, filename="../../tiny.xml", content_type="application/xml")
        resp = await admin.post("/api/admin/scripts", data=form, headers={"X-CSRF-Token": token})
        assert resp.status == 201, await resp.text()
        written = (await resp.json())["script"]["file"]
        assert "/" not in written                       # no way out of the upload folder
        assert (web_env.services.get("config").data_dir / "scripts_xml" / written).is_file()
        listed = (await (await admin.get("/api/admin/scripts")).json())["scripts"]
        assert "tiny" in {s["id"] for s in listed}
        preview = await (await admin.post("/api/admin/scripts/tiny/preview", json={"answers": ["Zoe"]},
                                          headers={"X-CSRF-Token": token})).json()
        assert preview["status"] == "ended" and preview["outcome"] == "done"
        assert any(e.get("text") == "Bye Zoe." for e in preview["effects"])
        graph = await admin.get("/api/admin/scripts/tiny/graph.svg")
        assert graph.status == 200 and "<svg" in await graph.text()
        audit = (await (await admin.get("/api/audit?kind=script")).json())["entries"]
        assert audit[0]["action"] == "script.upload" and audit[0]["target_id"] == "tiny"


async def test_agents_and_supervisors_cannot_use_admin(web_env: WebEnv) -> None:
    for user in ("bob", "sam"):
        async with web_env.client() as client:
            token = await api_login(client, user)
            assert (await client.get("/admin")).status == 403
            assert (await client.get("/api/admin/agents")).status == 403
            assert (await client.get("/api/admin/scripts")).status == 403
            resp = await client.put("/api/admin/queues/x", json={}, headers={"X-CSRF-Token": token})
            assert resp.status == 403
