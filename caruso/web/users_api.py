"""Admin: users (create, change role/agent/password, deactivate) and the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.security import SESSION_STORAGE, access, current_user


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise ApiError(400, "bad_request", "the body is not JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return body


async def audit(request: web.Request, action: str, target: str, details: dict[str, Any] | None = None) -> None:
    """Record in the audit log that the current user did *action* on *target* ("kind:id")."""
    await request.app[SERVICES].get(keys.AUTH).audit(current_user(request).username, action, target, details,
                                                     remote_addr=request.remote)


def _role(value: Any) -> Role:
    try:
        return Role.parse(str(value))
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc), {"field": "role"}) from exc


@access(Role.ADMIN)
async def list_users(request: web.Request) -> web.Response:
    users = await request.app[SERVICES].get(keys.AUTH).list_users()
    return web.json_response({"users": [u.as_dict() for u in users]})


@access(Role.ADMIN)
async def create_user(request: web.Request) -> web.Response:
    body = await json_body(request)
    for name in ("username", "password", "role"):
        if not body.get(name):
            raise ApiError(400, "bad_request", f"{name} is required", {"field": name})
    try:
        user = await request.app[SERVICES].get(keys.AUTH).create_user(
            str(body["username"]), str(body["password"]), _role(body["role"]),
            display_name=str(body.get("display_name", "")), agent_id=body.get("agent_id") or None,
            actor=current_user(request).username, remote_addr=request.remote)
    except ValueError as exc:   # password policy
        raise ApiError(400, "bad_request", str(exc), {"field": "password"}) from exc
    return web.json_response({"user": user.as_dict()}, status=201)


@access(Role.ADMIN)
async def update_user(request: web.Request) -> web.Response:
    body = await json_body(request)
    changes: dict[str, Any] = {}
    if "role" in body:
        changes["role"] = _role(body["role"])
    for name in ("display_name", "agent_id", "active", "password"):
        if name in body:
            changes[name] = body[name]
    user_id = int(request.match_info["id"])
    try:
        user = await request.app[SERVICES].get(keys.AUTH).update_user(
            user_id, actor=current_user(request).username, remote_addr=request.remote, **changes)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    if "password" in changes or changes.get("active") is False or "role" in changes:
        request.app[SESSION_STORAGE].revoke_user(user_id)   # their open sessions end now
    return web.json_response({"user": user.as_dict()})


@access(Role.ADMIN)
async def audit_log(request: web.Request) -> web.Response:
    before = request.query.get("before")
    entries = await request.app[SERVICES].get(keys.AUTH).audit_log(
        limit=min(int(request.query.get("limit", "100")), 1000), before_id=int(before) if before else None,
        target_kind=request.query.get("kind") or None)
    return web.json_response({"entries": [e.as_dict() for e in entries]})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/users", list_users)
    app.router.add_post("/api/users", create_user)
    app.router.add_patch("/api/users/{id:\\d+}", update_user)
    app.router.add_get("/api/audit", audit_log)
