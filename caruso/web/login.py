"""Logging in and out: the login page and form, and the same for the JSON API."""

from __future__ import annotations

from aiohttp import web

from caruso import keys
from caruso.auth.errors import InvalidCredentials, LoginThrottled
from caruso.auth.roles import Role
from caruso.auth.users import User
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.pages import render
from caruso.web.security import PUBLIC, access, csrf_token, log_in, log_out, optional_user

HOME = {Role.AGENT: "/desktop", Role.SUPERVISOR: "/monitor", Role.ADMIN: "/admin"}


def home_of(user: User) -> str:
    return HOME[user.role]


def _safe_next(target: str | None) -> str | None:
    # only paths on this site: no scheme, no host, no "//host" and no backslash tricks
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _address(request: web.Request) -> str:
    return request.remote or "unknown"


@access(PUBLIC)
async def root(request: web.Request) -> web.Response:
    user = optional_user(request)
    raise web.HTTPFound(home_of(user) if user else "/login")


@access(PUBLIC)
async def login_page(request: web.Request) -> web.Response:
    return await render(request, "login.html", next=_safe_next(request.query.get("next")) or "", message="")


@access(PUBLIC)
async def login_form(request: web.Request) -> web.Response:
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    auth = request.app[SERVICES].get(keys.AUTH)
    try:
        user = await auth.authenticate(username, password, _address(request))
    except (InvalidCredentials, LoginThrottled) as exc:
        status = 429 if isinstance(exc, LoginThrottled) else 401
        return await render(request, "login.html", status=status, next=target or "", message=str(exc))
    await log_in(request, user)
    await auth.audit(user.username, "login", f"user:{user.username}", remote_addr=_address(request))
    raise web.HTTPFound(target or home_of(user))


@access(PUBLIC)
async def logout_form(request: web.Request) -> web.Response:
    user = optional_user(request)
    await log_out(request)
    if user is not None:
        await request.app[SERVICES].get(keys.AUTH).audit(user.username, "logout", f"user:{user.username}",
                                                         remote_addr=_address(request))
    raise web.HTTPFound("/login")


# JSON API ----------------------------------------------------------------------------------------
@access(PUBLIC)
async def api_session(request: web.Request) -> web.Response:
    """Who is logged in, and the CSRF token to send with every state-changing request."""
    user = optional_user(request)
    return web.json_response({"user": user.as_dict() if user else None, "csrf_token": await csrf_token(request)})


@access(PUBLIC)
async def api_login(request: web.Request) -> web.Response:
    try:
        body = await request.json()
        username, password = str(body["username"]), str(body["password"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(400, "bad_request", "send JSON {\"username\": ..., \"password\": ...}") from exc
    auth = request.app[SERVICES].get(keys.AUTH)
    user = await auth.authenticate(username, password, _address(request))
    token = await log_in(request, user)
    await auth.audit(user.username, "login", f"user:{user.username}", remote_addr=_address(request))
    return web.json_response({"user": user.as_dict(), "csrf_token": token})


@access(PUBLIC)
async def api_logout(request: web.Request) -> web.Response:
    await log_out(request)
    return web.json_response({"ok": True})


def setup(app: web.Application) -> None:
    app.router.add_get("/", root)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_form)
    app.router.add_post("/logout", logout_form)
    app.router.add_get("/api/session", api_session)
    app.router.add_post("/api/login", api_login)
    app.router.add_post("/api/logout", api_logout)
