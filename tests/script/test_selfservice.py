"""The web self-service through aiohttp's test client: forms, server-side validation, CSRF, escaping,
per-visitor state (reload, back, return later), rate limit, contact history."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from caruso.keys import EVENTS, STORAGE
from caruso.script.events import ScriptRunEnded, ScriptStepEntered
from caruso.web.keys import SERVICES
from tests.script.selfservice_app import selfservice_app


@pytest.fixture
async def client(tmp_path: Path, smtp_server: Any) -> AsyncIterator[TestClient]:
    async with selfservice_app(tmp_path, smtp_server.port) as app:
        async with TestClient(TestServer(app)) as c:
            yield c


async def stored_run(storage: Any, run_id: str | None) -> dict[str, Any]:
    """The script_runs row, read through the storage manager's own database session."""
    from sqlalchemy import select

    from caruso.storage.schema.scripts import ScriptRun

    async with storage.database.session() as session:
        row = (await session.scalars(select(ScriptRun).where(ScriptRun.id == run_id))).one()
        return {"status": row.status, "outcome": row.outcome, "customer_key": row.customer_key, "trace": row.trace}


def hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


async def answer(client: TestClient, url: str, value: str | None, action: str = "answer") -> str:
    page = await (await client.get(url)).text()
    form = hidden(page)
    form["action"] = action
    if value is not None:
        form["answer"] = value
    resp = await client.post(url, data=form)
    assert resp.status == 200, await resp.text()
    assert resp.history and resp.history[0].status == 303  # post/redirect/get
    return await resp.text()


async def test_index_lists_public_web_scripts_only(client: TestClient) -> None:
    page = await (await client.get("/self-service/")).text()
    assert 'href="/self-service/move-house"' in page and 'href="/self-service/outage-report"' in page
    assert "billing-dispute" not in page and "ivr-main" not in page
    assert (await client.get("/self-service/billing-dispute")).status == 404
    assert (await client.get("/self-service/no-such")).status == 404
    css = await client.get("/self-service/static/selfservice.css")
    assert css.status == 200 and "text/css" in css.headers["Content-Type"]


async def test_outage_report_to_the_end_with_validation_and_email(client: TestClient, smtp_server: Any) -> None:
    url = "/self-service/outage-report"
    first = await client.get(url)
    page = await first.text()
    assert first.headers["Cache-Control"] == "no-store"
    assert '<legend><p>What is not working?</p></legend>' in page
    assert '<label for="answer-0">Electricity</label>' in page
    page = await answer(client, url, "electricity")
    assert '<label for="answer"><p>Postcode of the place without electricity?</p></label>' in page
    page = await answer(client, url, "75 011")
    assert 'role="alert">A postcode has five digits.</p>' in page
    assert 'aria-describedby="answer-error"' in page and 'value="75 011"' in page
    page = await answer(client, url, "75011")
    page = await answer(client, url, "hours")
    page = await answer(client, url, "yes")
    page = await answer(client, url, "")
    assert "Our technicians have your report" in page
    assert "Start again" in page
    (_, rcpt, msg), = smtp_server.messages
    assert rcpt == ["outages@utility.example"] and msg["Subject"] == "Outage electricity 75011 (web)"


async def test_runs_publish_step_and_end_events(client: TestClient) -> None:
    bus = client.app[SERVICES].get(EVENTS)
    seen: list[Any] = []

    async def collect(event: Any) -> None:
        seen.append(event)

    unsubscribe = bus.subscribe(collect, (ScriptStepEntered, ScriptRunEnded), name="test")
    url = "/self-service/outage-report"
    await client.get(url)
    await answer(client, url, "gas")
    await answer(client, url, "yes")
    await bus.drain()
    unsubscribe()
    assert [(type(e).__name__, getattr(e, "step", None)) for e in seen] == [
        ("ScriptStepEntered", "energy"), ("ScriptStepEntered", "gas-smell"), ("ScriptStepEntered", "is-emergency"),
        ("ScriptStepEntered", "emergency"), ("ScriptRunEnded", None)]
    assert seen[-1].outcome == "emergency" and seen[-1].channel == "web"
    assert len({e.run_id for e in seen}) == 1


async def test_back_and_reload_show_the_right_page(client: TestClient) -> None:
    url = "/self-service/outage-report"
    await client.get(url)
    await answer(client, url, "gas")
    page = await (await client.get(url)).text()  # reload
    assert "Is there a smell of gas?" in page
    page = await answer(client, url, None, action="back")
    assert "What is not working?" in page and 'value="gas" checked' in page  # the answer given is kept
    page = await answer(client, url, "electricity")
    assert "Postcode of the place without electricity?" in page


async def test_a_stale_form_does_not_answer_the_wrong_question(client: TestClient) -> None:
    url = "/self-service/outage-report"
    old = hidden(await (await client.get(url)).text())
    await answer(client, url, "electricity")
    resp = await client.post(url, data={**old, "action": "answer", "answer": "gas"})
    page = await resp.text()
    assert "That page was out of date" in page
    assert "Postcode of the place without electricity?" in page


async def test_csrf_is_required(client: TestClient) -> None:
    url = "/self-service/outage-report"
    form = hidden(await (await client.get(url)).text())
    bad = await client.post(url, data={**form, "csrf": "0" * 64, "action": "answer", "answer": "gas"},
                            allow_redirects=False)
    assert bad.status == 403
    none = await client.post(url, data={"action": "answer", "answer": "gas"}, allow_redirects=False)
    assert none.status == 403
    cross = await client.post(url, data={**form, "action": "answer", "answer": "gas"},
                              headers={"Origin": "http://evil.example"}, allow_redirects=False)
    assert cross.status == 403
    page = await (await client.get(url)).text()
    assert "What is not working?" in page  # nothing was answered


async def test_answers_and_script_texts_are_escaped(tmp_path: Path, smtp_server: Any) -> None:
    async with selfservice_app(tmp_path, smtp_server.port) as app:
        async with TestClient(TestServer(app)) as client:
            url = "/self-service/outage-report"
            await client.get(url)
            page = await answer(client, url, "<script>alert(1)</script>")
            assert "<script>alert" not in page and "Please choose one of the options." in page
            await answer(client, url, "electricity")
            page = await answer(client, url, '"><img src=x onerror=alert(1)>')
            assert "<img" not in page
            assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page


async def test_a_visitor_comes_back_later(tmp_path: Path, smtp_server: Any) -> None:
    """The run survives a server restart: same data folder, same cookie."""
    url = "/self-service/outage-report"
    async with selfservice_app(tmp_path, smtp_server.port) as app:
        async with TestClient(TestServer(app)) as client:
            await client.get(url)
            await answer(client, url, "electricity")
            cookies = {c.key: c.value for c in client.session.cookie_jar}
    async with selfservice_app(tmp_path, smtp_server.port) as app:
        async with TestClient(TestServer(app)) as client:
            client.session.cookie_jar.update_cookies({"caruso_visitor": cookies["caruso_visitor"]})
            page = await (await client.get(url)).text()
            assert "Postcode of the place without electricity?" in page
            page = await answer(client, url, "75011")
            assert "Since when?" in page


async def test_rate_limit_per_client(tmp_path: Path, smtp_server: Any) -> None:
    async with selfservice_app(tmp_path, smtp_server.port, rate=1, burst=3) as app:
        async with TestClient(TestServer(app)) as client:
            statuses = [(await client.get("/self-service/")).status for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


async def test_move_house_updates_the_crm_and_records_the_contact(tmp_path: Path, smtp_server: Any) -> None:
    async with selfservice_app(tmp_path, smtp_server.port, storage=True) as app:
        storage = app[SERVICES].get(STORAGE)
        async with TestClient(TestServer(app)) as client:
            url = "/self-service/move-house"
            page = await (await client.get(url)).text()
            assert "Moving house?" in page and "customer number" in page
            page = await answer(client, url, "100002")
            assert "Hello Jean Bernard." in page
            for value in ("8 rue Neuve", "75012", "Paris", "2026-12-15", "5120"):
                page = await answer(client, url, value)
            assert "moves to 8 rue Neuve, 75012 Paris" in page
            page = await answer(client, url, "yes")
            assert "Your contract moves with you on 2026-12-15" in page
        customer = await storage.objects.first("Customer", {"number": "C100002"})
        assert (customer["street"], customer["postcode"], customer["city"]) == ("8 rue Neuve", "75012", "Paris")
        contract = await storage.objects.first("Contract", {"customerId": customer.key})
        assert contract["status"] == "moving"
        page_of_history = await storage.timeline(customer)
        entry = page_of_history.items[0]
        assert (entry.kind, entry.channel, entry.outcome, entry.detail_kind) == ("self_service", "web", "moved",
                                                                                 "script_run")
        run = await stored_run(storage, entry.detail_ref)
        assert run["status"] == "finished" and run["outcome"] == "moved" and run["customer_key"] == str(customer.key)
        events = [t["event"] for t in run["trace"]]
        assert events[0] == "start" and events[-1] == "end" and events.count("answer") == 7
    (_, rcpt, msg), = smtp_server.messages
    assert rcpt == ["jean.bernard@example.org"]


async def test_a_run_whose_version_is_gone_starts_again_with_a_notice(tmp_path: Path, smtp_server: Any) -> None:
    url = "/self-service/outage-report"
    async with selfservice_app(tmp_path, smtp_server.port) as app:
        async with TestClient(TestServer(app)) as client:
            await client.get(url)
            await answer(client, url, "electricity")
            # the run's version disappears (archive wiped, file changed): the visitor is told, nothing breaks
            visitor = next(c.value for c in client.session.cookie_jar if c.key == "caruso_visitor")
            run_file = tmp_path / "selfservice" / "runs" / visitor / "outage-report.json"
            run_file.write_text(run_file.read_text().replace('"version": "1+', '"version": "0+'))
            page = await answer(client, url, "75011")
            assert "This form has changed since you started it" in page
            assert "What is not working?" in page
            run_file.write_text("{not json")
            page = await (await client.get(url)).text()
            assert "What is not working?" in page



async def test_back_shows_the_page_as_it_was(tmp_path: Path, smtp_server: Any) -> None:
    """Going back shows the information that came before the question, and the answer given."""
    async with selfservice_app(tmp_path, smtp_server.port, storage=True) as app:
        async with TestClient(TestServer(app)) as client:
            url = "/self-service/move-house"
            first = await (await client.get(url)).text()
            assert "Moving house? Tell us" in first
            await answer(client, url, "100002")
            page = await answer(client, url, None, action="back")
            assert "Moving house? Tell us" in page and 'value="100002"' in page
