"""In a real browser (Debian's chromium): an agent takes a call from ring to disposition while a supervisor
watches the monitor; the report for the period agrees with the monitor; roles and CSRF hold."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from caruso import keys
from caruso.storage.calls_repository import CallRecord, CallsRepository
from tests.support.browser import browser_context
from tests.web.conftest import PASSWORD
from tests.web.e2e import running_site

pytestmark = pytest.mark.slow


async def log_in(page, url: str, user: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{url}/login")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.press("#password", "Enter")        # keyboard only
    await page.wait_for_load_state()


async def test_agent_takes_a_call_while_the_supervisor_watches(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, browser_context() as agent_ctx, browser_context() as sup_ctx:
        url = site.url
        sup = await sup_ctx.new_page()
        await log_in(sup, url, "sue")
        assert sup.url.endswith("/monitor")
        await sup.wait_for_selector("#link.up")
        agent = await agent_ctx.new_page()
        await log_in(agent, url, "ann")
        assert agent.url.endswith("/desktop")
        await agent.wait_for_selector("#link.up")

        # ready: own state on the desktop, the state change on the supervisor's monitor
        clicked = time.monotonic()
        await agent.keyboard.press("Alt+r")           # the Ready button's access key
        await agent.wait_for_selector("#my-state.state-ready")
        await sup.wait_for_selector('tr[data-agent="ann"] .state-ready')
        print(f"\nready -> monitor: {1000 * (time.monotonic() - clicked):.0f} ms")

        # the monitor's connection drops: the page reconnects by itself and catches up from a snapshot
        assert await site.services.get(keys.MONITOR).broadcaster.disconnect_all() == 1
        site.acd.agent_state("ann", "paused", "coffee")          # happens while the monitor is away
        await sup.wait_for_selector('tr[data-agent="ann"] .state-paused')
        await sup.wait_for_selector("#link.up")
        await agent.keyboard.press("Alt+r")
        await sup.wait_for_selector('tr[data-agent="ann"] .state-ready')

        # a call arrives: the monitor shows it waiting, the desktop pops the customer while it rings
        arrived = time.monotonic()
        site.acd.offer("call-1", "sales", caller="+33472000001")
        await sup.wait_for_selector('#calls tr[data-call="call-1"]')
        waiting_ms = 1000 * (time.monotonic() - arrived)
        await agent.wait_for_selector('#customer-values td[data-field="lastName"]:text("Bernard")')
        pop_ms = 1000 * (time.monotonic() - arrived)
        print(f"call queued -> monitor: {waiting_ms:.0f} ms; ring -> screen pop: {pop_ms:.0f} ms")
        assert await agent.inner_text("#call-queue") == "sales"
        assert await agent.inner_text("#call-caller") == "+33472000001"
        assert "copy of the March bill" in await agent.inner_text("#history")
        assert await sup.inner_text('#queues tr[data-queue="sales"] .waiting') == "1"

        # the agent picks up: the queue's script runs in the desktop with the customer's data
        site.line.pick_up("call-1")
        await agent.wait_for_selector('.info:text("Greet Jean Bernard.")')
        await agent.check('input[name=answer][value="move"]')
        await agent.keyboard.press("Enter")
        await agent.wait_for_selector('[data-step="postcode"]')
        assert "Postcode for the move?" in await agent.inner_text("#script-question")
        await agent.fill("input[name=answer]", "123")           # refused by the script: asked again
        await agent.click("#btn-next")
        await agent.wait_for_selector('#script-invalid:text("five digits")')
        await agent.click("#btn-back")                          # back to the first question, then forward again
        await agent.wait_for_selector('[data-step="topic"]')
        await agent.check('input[name=answer][value="bill"]')
        await agent.click("#btn-next")
        await agent.wait_for_selector('[data-step="postcode"]')
        await agent.fill("input[name=answer]", "69003")
        await agent.keyboard.press("Enter")
        await agent.wait_for_selector('#script-end:text("resolved")')
        assert await agent.input_value("#disposition") == "resolved"
        await sup.wait_for_selector('#queues tr[data-queue="sales"] .answered:text("1")')

        shots = os.environ.get("CARUSO_TEST_SCREENSHOTS")
        if shots:
            await agent.screenshot(path=f"{shots}/desktop-script.png")
        # the call ends: wrap-up with a countdown; the disposition closes the call
        site.acd.call_ended("call-1")
        await agent.wait_for_selector("#wrapup:not([hidden])")
        assert "Wrap-up" in await agent.inner_text("#wrapup")
        await agent.fill("#disposition-note", "bill explained")
        await agent.click("#btn-disposition")
        await agent.wait_for_selector("#no-call:not([hidden])")
        storage = site.services.get(keys.STORAGE)
        customer = (await storage.identify_caller("+33472000001"))[0]
        timeline = (await storage.timeline(customer)).items
        assert timeline[0].outcome == "resolved" and timeline[0].agent == "ann" and timeline[0].call_id == "call-1"

        # the call flow stores the call record; the report for today agrees with the monitor
        now = datetime.now(UTC)
        await CallsRepository(storage.database).save_call(CallRecord(
            id="call-1", arrived_at=now - timedelta(seconds=30), queue="sales", agent="ann",
            queued_at=now - timedelta(seconds=30), answered_at=now - timedelta(seconds=25), ended_at=now,
            wait_seconds=5.0, talk_seconds=25.0, outcome="answered", caller_number="+33472000001"))
        rep = await sup_ctx.new_page()
        await rep.goto(f"{url}/reports")
        row = rep.locator('table[data-table="queues"] tbody tr', has_text="sales").first
        await row.wait_for()
        cells = await row.locator("td").all_inner_texts()
        monitor_row = sup.locator('#queues tr[data-queue="sales"]')
        monitor = {name: await monitor_row.locator(f".{name}").inner_text()
                   for name in ("offered", "answered", "abandoned")}
        assert monitor == {"offered": "1", "answered": "1", "abandoned": "0"}
        assert cells[:3] == [monitor["offered"], monitor["answered"], monitor["abandoned"]]
        shots = os.environ.get("CARUSO_TEST_SCREENSHOTS")
        if shots:      # for a person to look at the pages at 1280x720
            await agent.screenshot(path=f"{shots}/desktop.png")
            await sup.screenshot(path=f"{shots}/monitor.png")
            await rep.screenshot(path=f"{shots}/reports.png", full_page=True)


async def test_agent_cannot_open_admin_or_monitor_or_others_data(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, browser_context() as ctx:
        page = await ctx.new_page()
        await log_in(page, site.url, "ann")
        for path in ("/admin", "/monitor", "/reports", "/api/admin/agents", "/api/users", "/api/reports"):
            resp = await page.goto(f"{site.url}{path}")
            assert resp is not None and resp.status == 403, path
            if not path.startswith("/api/"):
                assert "Not allowed" in await page.inner_text("h1")
        voicemail = await page.goto(f"{site.url}/api/desktop/voicemails/1/audio")
        assert voicemail is not None and voicemail.status in (404, 503)
        # a forged form from another site, and a POST without the token, are refused
        status = await page.evaluate("""async () => (await fetch('/api/desktop/state', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({state: 'ready'})})).status""")
        assert status == 403
        await page.goto(f"{site.url}/desktop")
        status = await page.evaluate("""async () => (await fetch('/api/desktop/state', {method: 'POST',
            headers: {'Content-Type': 'application/json',
                      'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
            body: JSON.stringify({state: 'ready'})})).status""")
        assert status == 200
