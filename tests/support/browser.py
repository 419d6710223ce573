"""A real browser for page tests: Playwright for Python driving Debian's chromium (never downloaded).

    async with browser_context() as context:
        page = await context.new_page()
        await page.goto(url)

Fails (not skips) with what to install when chromium or Playwright is missing.  Pages run at
1280x720, the size the agent desktop is made for.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

CHROMIUM = os.environ.get("CARUSO_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 720}


def _require() -> Any:
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"no chromium at {CHROMIUM}: install Debian's chromium package (tools/setup.sh test does) "
                    "or set CARUSO_TEST_CHROMIUM")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e .[test]")
    return async_playwright


@asynccontextmanager
async def browser_context(**context_options: Any) -> AsyncIterator[Any]:
    """A fresh browser context (own cookies) on a headless chromium; closed afterwards."""
    async_playwright = _require()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = await browser.new_context(viewport=VIEWPORT, **context_options)
            try:
                yield context
            finally:
                await context.close()
        finally:
            await browser.close()


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    """A page in a fresh browser context (no cookies shared with other tests).  Use it in a test module
    with ``from tests.support.browser import browser_page  # noqa: F401`` (or in a conftest)."""
    async with browser_context() as context:
        yield await context.new_page()
