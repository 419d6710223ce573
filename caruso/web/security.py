"""Who may do what, on every request: sessions, roles, CSRF and same-origin checks.

Every route declares its access with ``@access(Role.X)`` or ``@access(PUBLIC)``; a route with no
declaration is refused (deny by default) unless its path is under PUBLIC_PREFIXES.  Pages answer an
anonymous visitor with a redirect to /login, the JSON API with 401; a role too low gets 403.

Every state-changing request (POST, PUT, PATCH, DELETE) carries the session's CSRF token, in the
``X-CSRF-Token`` header or a ``csrf_token`` form field, and its Origin (when the browser sends one)
must be this site; WebSocket upgrades must come from this site's Origin too.
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import quote, urlsplit

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.auth.users import User
from caruso.config import WebSettings
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.sessions import MemorySessionStorage, get_session, session_middleware

log = logging.getLogger(__name__)

PUBLIC: Final = "public"
PUBLIC_PREFIXES: tuple[str, ...] = ("/health", "/static/", "/selfservice", "/favicon.ico")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_RequestKey = getattr(web, "RequestKey", None)
USER_KEY: Any = _RequestKey("caruso_user", object) if _RequestKey else "caruso.user"
SESSION_STORAGE = web.AppKey("session_storage", MemorySessionStorage)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def access(rule: Role | str) -> Callable[[Handler], Handler]:
    """Declare who may call a handler: a Role (that role or above) or PUBLIC."""
    def mark(handler: Handler) -> Handler:
        handler._caruso_access = rule  # type: ignore[attr-defined]
        return handler
    return mark


def current_user(request: web.Request) -> User:
    user = request.get(USER_KEY)
    if user is None:
        raise ApiError(401, "unauthorized", "log in first")
    return user


def optional_user(request: web.Request) -> User | None:
    return request.get(USER_KEY)


async def csrf_token(request: web.Request) -> str:
    session = get_session(request)
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


async def log_in(request: web.Request, user: User) -> str:
    """Start a fresh session for *user* (a new id: no fixation); returns its CSRF token."""
    session = get_session(request)
    session.renew()
    session["uid"] = user.id
    token = secrets.token_urlsafe(32)
    session["csrf"] = token
    request[USER_KEY] = user
    return token


async def log_out(request: web.Request) -> None:
    session = get_session(request)
    session.invalidate()
    request.pop(USER_KEY, None)


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True   # not sent by this client (non-browser clients, some same-origin GETs)
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == (request.host or "").lower()


def _rule_of(request: web.Request, handler: Any) -> Role | str | None:
    rule = getattr(handler, "_caruso_access", None)
    if rule is None:
        info = request.match_info
        rule = getattr(getattr(info, "handler", None), "_caruso_access", None)
    if rule is None and request.path.startswith(PUBLIC_PREFIXES):
        rule = PUBLIC
    return rule


_FORBIDDEN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not allowed</title>
<link rel="stylesheet" href="/static/caruso.css"></head><body class="login"><main><h1>Not allowed</h1>
<p>{message}.</p><p><a href="/">Back to my page</a></p></main></body></html>"""


def _deny(request: web.Request, status: int, error: str, message: str) -> web.StreamResponse:
    page = not request.path.startswith("/api/") and request.method == "GET"
    if status == 401 and page:
        raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='/')}")
    if page and "text/html" in request.headers.get("Accept", ""):
        return web.Response(status=status, content_type="text/html",
                            text=_FORBIDDEN_PAGE.format(message=html.escape(message)))
    raise ApiError(status, error, message)


@web.middleware
async def security_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in UNSAFE_METHODS or request.headers.get("Upgrade", "").lower() == "websocket":
        if not _same_origin(request):
            raise ApiError(403, "bad_origin", "cross-site request refused")
    if request.method in UNSAFE_METHODS:
        session = get_session(request)
        expected = session.get("csrf")
        given = request.headers.get("X-CSRF-Token")
        if given is None and request.content_type in ("application/x-www-form-urlencoded",
                                                       "multipart/form-data"):
            given = (await request.post()).get("csrf_token")
        if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
            raise ApiError(403, "csrf_failed", "missing or wrong CSRF token; reload the page")

    if request.match_info.http_exception is not None:
        return await handler(request)     # 404/405: no route, nothing to protect
    rule = _rule_of(request, handler)
    if rule is None:
        log.error("route %s %s has no access rule: refused", request.method, request.path)
        raise ApiError(403, "forbidden", "this route declares no access rule")

    session = get_session(request)
    uid = session.get("uid")
    if uid is not None:
        user = await request.app[SERVICES].get(keys.AUTH).current(int(uid))
        if user is None:
            session.invalidate()     # user removed or deactivated: the session is void
        else:
            request[USER_KEY] = user
    if rule == PUBLIC:
        return await handler(request)
    user = request.get(USER_KEY)
    if user is None:
        return _deny(request, 401, "unauthorized", "log in first")
    assert isinstance(rule, Role)
    if not user.role.permits(rule):
        return _deny(request, 403, "forbidden", f"this needs the {rule.value} role")
    return await handler(request)


def setup(app: web.Application) -> None:
    config = app[SERVICES].find(keys.CONFIG)
    settings = config.web if config is not None else WebSettings()
    storage = MemorySessionStorage(idle=settings.session_idle, secure=settings.cookie_secure)
    app[SESSION_STORAGE] = storage
    app.middlewares.append(session_middleware(storage))
    app.middlewares.append(security_middleware)
