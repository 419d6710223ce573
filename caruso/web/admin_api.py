"""Admin: agents, queues and skills (read and change, each change audited and handed to the ACD), the
business-object models (read-only), and the admin page."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.storage.admin_repository import AdminRepository
from caruso.web.keys import SERVICES
from caruso.web.pages import render
from caruso.web.security import access
from caruso.web.users_api import audit, json_body

log = logging.getLogger(__name__)


def repo(request: web.Request) -> AdminRepository:
    return AdminRepository(request.app[SERVICES].get(keys.STORAGE).database)


async def config_changed(request: web.Request, kind: str, name: str) -> None:
    """Tell the ACD (when it runs) that its configuration changed, so it applies it without a restart."""
    acd = request.app[SERVICES].find(keys.ACD)
    reload = getattr(acd, "reload_config", None)
    if reload is not None:
        await reload(kind, name)


@access(Role.ADMIN)
async def admin_page(request: web.Request) -> web.Response:
    return await render(request, "admin.html")


@access(Role.ADMIN)
async def list_kind(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    r = repo(request)
    items = await {"skills": r.skills, "agents": r.agents, "queues": r.queues}[kind]()
    return web.json_response({kind: items})


@access(Role.ADMIN)
async def save_kind(request: web.Request) -> web.Response:
    kind, name = request.match_info["kind"], request.match_info["name"]
    body = await json_body(request)
    r = repo(request)
    saved: dict[str, Any]
    if kind == "skills":
        saved = await r.save_skill(name, str(body.get("description", "")))
    elif kind == "agents":
        saved = await r.save_agent({**body, "login": name})
    else:
        saved = await r.save_queue({**body, "name": name})
    singular = kind[:-1]
    await audit(request, f"{singular}.save", f"{singular}:{name}", body)
    await config_changed(request, singular, name)
    return web.json_response({singular: saved})


@access(Role.ADMIN)
async def delete_kind(request: web.Request) -> web.Response:
    kind, name = request.match_info["kind"], request.match_info["name"]
    r = repo(request)
    await {"skills": r.delete_skill, "agents": r.delete_agent, "queues": r.delete_queue}[kind](name)
    singular = kind[:-1]
    await audit(request, f"{singular}.delete", f"{singular}:{name}")
    await config_changed(request, singular, name)
    return web.json_response({"deleted": name})


@access(Role.ADMIN)
async def models(request: web.Request) -> web.Response:
    model = request.app[SERVICES].get(keys.STORAGE).model
    out = []
    for obj in model.objects.values():
        out.append({
            "name": obj.name, "table": obj.table, "key": obj.key, "legacy": bool(obj.legacy),
            "attributes": [{"name": a.name, "type": a.type, "column": a.column, "required": bool(a.required),
                            "generated": bool(a.generated), "personal": bool(a.personal),
                            "callerid": bool(a.callerid)} for a in obj.attributes.values()],
            "relations": [{"name": r.name, "kind": r.kind, "object": r.object, "via": r.via}
                          for r in obj.relations.values()],
        })
    return web.json_response({"models": out})


def setup(app: web.Application) -> None:
    app.router.add_get("/admin", admin_page)
    app.router.add_get("/api/admin/models", models)
    app.router.add_get("/api/admin/{kind:skills|agents|queues}", list_kind)
    app.router.add_put("/api/admin/{kind:skills|agents|queues}/{name}", save_kind)
    app.router.add_delete("/api/admin/{kind:skills|agents|queues}/{name}", delete_kind)
