"""A customer reports an outage in a real browser (headless chromium), from the first page to the end,
with a mistake, a reload and a step back on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.script.selfservice_app import selfservice_app

pytestmark = pytest.mark.slow


async def test_outage_report_in_a_browser(tmp_path: Path, smtp_server: Any, browser_page: Any) -> None:
    page = browser_page
    async with selfservice_app(tmp_path, smtp_server.port) as app:
        async with TestServer(app, host="127.0.0.1") as server:
            await page.goto(str(server.make_url("/self-service/")))
            await page.get_by_role("link", name="Report a power or gas outage").click()
            await page.get_by_role("heading", name="Report a power or gas outage").wait_for()

            await page.get_by_label("Gas").check()
            await page.get_by_role("button", name="Continue").click()
            await page.get_by_text("Is there a smell of gas?").wait_for()
            await page.get_by_role("button", name="Back").click()  # changed my mind: it is the electricity
            await page.get_by_text("What is not working?").wait_for()

            await page.get_by_label("Electricity").check()
            await page.keyboard.press("Enter")  # the keyboard submits the form
            field = page.get_by_label("Postcode of the place without electricity?")
            await field.fill("750")
            await page.get_by_role("button", name="Continue").click()
            alert = page.get_by_role("alert")
            assert await alert.inner_text() == "A postcode has five digits."
            await page.get_by_label("Postcode of the place without electricity?").fill("75011")
            await page.get_by_role("button", name="Continue").click()
            await page.get_by_text("Since when?").wait_for()

            await page.reload()  # the visitor reloads: same question, nothing lost or repeated
            await page.get_by_text("Since when?").wait_for()

            await page.get_by_label("A few hours").check()
            await page.get_by_role("button", name="Continue").click()
            await page.get_by_label("Yes").check()
            await page.get_by_role("button", name="Continue").click()
            await page.get_by_label("A phone number where we can reach you (optional)").fill("06 12 34 56 78")
            await page.get_by_role("button", name="Continue").click()
            await page.get_by_text("Our technicians have your report").wait_for()
            assert await page.get_by_role("button", name="Start again").is_visible()

    (_, rcpt, msg), = smtp_server.messages
    assert rcpt == ["outages@utility.example"]
    assert "Call back: 06 12 34 56 78" in msg.get_content()
