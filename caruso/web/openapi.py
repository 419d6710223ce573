"""The JSON API's OpenAPI 3.1 document, built from the routes themselves (so it cannot drift): every
``/api`` route with its method, path parameters, required role (``x-caruso-role``), summary (the
handler's docstring or name) and, where one is expected, its request body.  ``GET /api/openapi.json``.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from caruso import __version__
from caruso.web.security import PUBLIC, access

_OBJ = {"type": "object"}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/login"): {"type": "object", "required": ["username", "password"],
                             "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
    ("POST", "/api/users"): {"type": "object", "required": ["username", "password", "role"], "properties": {
        "username": {"type": "string"}, "password": {"type": "string", "minLength": 8},
        "role": {"enum": ["agent", "supervisor", "admin"]}, "display_name": {"type": "string"},
        "agent_id": {"type": "string", "description": "the ACD agent login"}}},
    ("PATCH", "/api/users/{id}"): {"type": "object", "properties": {
        "role": {"enum": ["agent", "supervisor", "admin"]}, "display_name": {"type": "string"},
        "agent_id": {"type": ["string", "null"]}, "active": {"type": "boolean"},
        "password": {"type": "string", "minLength": 8}}},
    ("PUT", "/api/admin/{kind}/{name}"): {"type": "object", "description":
        "skills: {description}; agents: {name, extension, phone, email, enabled, wrapup_seconds, skills: {skill: "
        "level}, queues: {queue: penalty}}; queues: {label, strategy, priority, enabled, settings: {script, "
        "service_level_seconds, ...}, skills: {skill: min level}}"},
    ("POST", "/api/admin/scripts"): {"type": "object", "properties": {"file": {"type": "string",
                                                                               "format": "binary"}}},
    ("POST", "/api/admin/scripts/{id}/preview"): {"type": "object", "properties": {
        "answers": {"type": "array", "description": "answers in order; \"__back__\" goes back"},
        "caller": {"type": "string"}, "channel": {"type": "string"}}},
    ("POST", "/api/desktop/state"): {"type": "object", "required": ["state"], "properties": {
        "state": {"enum": ["ready", "paused", "logged_out"]}, "reason": {"type": "string"}}},
    ("POST", "/api/desktop/script/answer"): {"type": "object", "properties": {"value": {}}},
    ("POST", "/api/desktop/disposition"): {"type": "object", "required": ["disposition"], "properties": {
        "disposition": {"type": "string"}, "note": {"type": "string", "maxLength": 500}}},
    ("POST", "/api/desktop/outbound"): {"type": "object", "required": ["number"], "properties": {
        "number": {"type": "string"}, "customer": {}}},
    ("POST", "/api/privacy/erase"): {"type": "object", "required": ["customer"], "properties": {
        "customer": {"type": "string", "description": "ATTR=VALUE of the customer object, e.g. number=C100002"},
        "object": {"type": "string"}, "dry_run": {"type": "boolean"}}},
    ("POST", "/api/privacy/export"): {"type": "object", "required": ["customer"], "properties": {
        "customer": {"type": "string"}, "object": {"type": "string"}}},
    ("POST", "/api/privacy/retention"): {"type": "object", "properties": {"dry_run": {"type": "boolean"}}},
    ("PATCH", "/api/privacy/customers/{object}/{key}"): {"type": "object",
                                                         "description": "attribute: new value"},
}
ERROR = {"type": "object", "required": ["error", "message"], "properties": {
    "error": {"type": "string", "description": "a stable error id, e.g. forbidden, csrf_failed"},
    "message": {"type": "string"}, "details": {}}}


def _summary(handler: Any) -> str:
    doc = (getattr(handler, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else getattr(handler, "__name__", "").replace("_", " ")


def build(app: web.Application) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if not path.startswith("/api/") or route.method in ("HEAD", "OPTIONS"):
            continue
        rule = getattr(route.handler, "_caruso_access", None)
        role = rule.value if hasattr(rule, "value") else str(rule)
        op: dict[str, Any] = {
            "summary": _summary(route.handler), "x-caruso-role": role,
            "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                           for p in re.findall(r"\{(\w+)", path)],
            "responses": {"200": {"description": "OK"},
                          "default": {"description": "an error",
                                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        }
        if rule != PUBLIC:
            op["security"] = [{"session": [], "csrf": []} if route.method != "GET" else {"session": []}]
        body = BODIES.get((route.method, path))
        if body is not None:
            kind = "multipart/form-data" if path == "/api/admin/scripts" else "application/json"
            op["requestBody"] = {"required": True, "content": {kind: {"schema": body}}}
        if path.endswith("/ws"):
            op["description"] = "WebSocket (same origin only): frames are JSON arrays of messages, the first a snapshot."
        paths.setdefault(path, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Caruso JSON API", "version": __version__, "description":
                 "Log in with POST /api/login (send the CSRF token from GET /api/session as X-CSRF-Token); the "
                 "session cookie then authenticates. Every state-changing request carries X-CSRF-Token. "
                 "x-caruso-role is the least role a call needs (agent < supervisor < admin)."},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": {"Error": ERROR},
                       "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "caruso_session"},
                                           "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}}},
    }


@access(PUBLIC)
async def openapi(request: web.Request) -> web.Response:
    """This OpenAPI document."""
    return web.json_response(build(request.app))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
