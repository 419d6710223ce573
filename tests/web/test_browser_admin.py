"""Admin pages in a real browser: a broken script upload shows its problems with line numbers and changes
nothing; a good one is listed, previewed and drawn; a queue is added from the form."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import browser_context
from tests.web.conftest import PASSWORD
from tests.web.e2e import running_site
from tests.web.test_admin import BROKEN, GOOD

pytestmark = pytest.mark.slow


async def test_admin_uploads_previews_and_configures(tmp_path: Path) -> None:
    from caruso import keys
    from caruso.auth.roles import Role

    async with running_site(tmp_path) as site, browser_context() as ctx:
        await site.services.get(keys.AUTH).create_user("root", PASSWORD, Role.ADMIN)
        page = await ctx.new_page()
        await page.goto(f"{site.url}/login")
        await page.fill("#username", "root")
        await page.fill("#password", PASSWORD)
        await page.click("#login-submit")
        await page.wait_for_url("**/admin")

        await page.click('button[data-tab="scripts"]')
        await page.wait_for_selector('#scripts-table tr[data-script="quick-check"]')
        (tmp_path / "tiny.xml").write_bytes(BROKEN)
        await page.set_input_files('#script-form input[name="file"]', str(tmp_path / "tiny.xml"))
        await page.click('#script-form button[type="submit"]')
        await page.wait_for_selector('#script-problems:has-text("line 4")')
        assert "nowhere" in await page.inner_text("#script-problems")
        assert await page.locator('#scripts-table tr[data-script="tiny"]').count() == 0

        (tmp_path / "tiny.xml").write_bytes(GOOD)
        await page.set_input_files('#script-form input[name="file"]', str(tmp_path / "tiny.xml"))
        await page.click('#script-form button[type="submit"]')
        await page.wait_for_selector('#scripts-table tr[data-script="tiny"]')
        await page.click('#scripts-table tr[data-script="tiny"] button')
        await page.fill("#preview-answers", "Zoe")
        await page.click("#preview-run")
        await page.wait_for_selector('#preview-out:has-text("Bye Zoe.")')
        await page.wait_for_function("document.getElementById('script-graph').naturalWidth > 0")  # the SVG drew

        await page.click('button[data-tab="queues"]')
        await page.fill('#queue-form input[name="name"]', "support")
        await page.fill('#queue-form input[name="label"]', "Support")
        await page.fill('#queue-form input[name="script"]', "tiny")
        await page.click('#queue-form button[type="submit"]')
        await page.wait_for_selector('#queues-table tr[data-queue="support"]')
        assert "support" in site.acd.core.queues          # the ACD took it without a restart

        await page.click('button[data-tab="audit"]')
        await page.wait_for_selector('#audit-table td:text("queue.save")')
        assert "script.upload" in await page.inner_text("#audit-table")
