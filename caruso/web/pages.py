"""Server-side page shells: HTML files in the shipped ``monitor/`` folder with ``{{name}}`` placeholders.

Values are HTML-escaped; each page carries the session's CSRF token in ``<meta name="csrf-token">`` for
its scripts (sent back as the X-CSRF-Token header) and in its forms.  No template engine, nothing
fetched from elsewhere at run time.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

from aiohttp import web

from caruso import paths
from caruso.web.security import PUBLIC, access, csrf_token, optional_user

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def front_end() -> Path:
    return paths.shipped("monitor")


@lru_cache(maxsize=32)
def _template(name: str) -> str:
    return (front_end() / name).read_text(encoding="utf-8")


async def render(request: web.Request, name: str, *, status: int = 200, **values: object) -> web.Response:
    user = optional_user(request)
    values.setdefault("csrf", await csrf_token(request))
    values.setdefault("username", user.username if user else "")
    values.setdefault("role", user.role.value if user else "")
    values.setdefault("agent_id", (user.agent_id or "") if user else "")
    text = _PLACEHOLDER.sub(lambda m: html.escape(str(values.get(m.group(1), "")), quote=True), _template(name))
    resp = web.Response(text=text, content_type="text/html", status=status)
    resp.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; media-src 'self'; frame-ancestors 'none'; form-action 'self'")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@access(PUBLIC)
async def favicon(request: web.Request) -> web.Response:
    return web.Response(status=204)


def setup(app: web.Application) -> None:
    app.router.add_static("/static/", front_end() / "static", append_version=True)
    app.router.add_get("/favicon.ico", favicon)
