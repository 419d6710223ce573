"""The admin privacy page: erase (dry run first) or export a customer, run retention, search and export
the audit log.  The page calls /api/privacy/* (caruso/web/privacy_api.py)."""

from __future__ import annotations

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.web.keys import SERVICES
from caruso.web.pages import render
from caruso.web.security import access


@access(Role.ADMIN)
async def privacy_page(request: web.Request) -> web.Response:
    config = request.app[SERVICES].get(keys.CONFIG)
    return await render(request, "privacy.html", customer_object=config.privacy.customer_object)


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/privacy", privacy_page)
