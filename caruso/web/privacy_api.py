"""Admin: privacy — a customer's record (every read and change audited), erasure (dry run first), the
subject-access export (a zip of export.json and the recordings), retention on demand, and the audit log
searched and exported (JSON or CSV).  Admin role only; state changes carry the CSRF token (middleware).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.privacy import audit
from caruso.privacy.erasure import erase
from caruso.privacy.errors import PrivacyError, SubjectNotFound
from caruso.privacy.export import export
from caruso.privacy.model import jsonable
from caruso.privacy.planner import Selector
from caruso.storage.errors import ObjectNotFound, StorageError
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.privacy_audit import audit_csv, audit_query
from caruso.web.security import access, current_user
from caruso.web.users_api import json_body


def _storage(request: web.Request) -> Any:
    return request.app[SERVICES].get(keys.STORAGE)


def _selector(request: web.Request, body: dict[str, Any]) -> Selector:
    config = request.app[SERVICES].get(keys.CONFIG)
    try:
        return Selector.parse(str(body.get("customer", "")), str(body.get("object") or
                                                                   config.privacy.customer_object))
    except PrivacyError as exc:
        raise ApiError(400, "bad_request", str(exc), {"field": "customer"}) from exc


def _who(request: web.Request) -> dict[str, Any]:
    return {"actor": current_user(request).username, "services": request.app[SERVICES],
            "remote_addr": request.remote}


def _privacy_error(exc: Exception) -> ApiError:
    if isinstance(exc, SubjectNotFound):
        return ApiError(404, "not_found", str(exc))
    return ApiError(400, "bad_request", str(exc))


@access(Role.ADMIN)
async def customer_record(request: web.Request) -> web.Response:
    """A customer's record and latest contact history (the read is audited)."""
    name, key = request.match_info["object"], request.match_info["key"]
    storage = _storage(request)
    try:
        obj = await storage.objects.get(name, key)
    except ObjectNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except StorageError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    page = await storage.timeline(obj, limit=20)
    await audit.record(request.app[SERVICES], current_user(request).username, audit.CUSTOMER_VIEW,
                       audit.target(obj.ref), {"via": "admin api"}, remote_addr=request.remote)
    return web.json_response({"object": obj.name, "key": str(obj.key), "values": jsonable(obj.as_json()),
                              "history": [{"kind": h.kind, "channel": h.channel, "at": h.started_at.isoformat(),
                                           "outcome": h.outcome, "agent": h.agent} for h in page.items]})


@access(Role.ADMIN)
async def update_customer(request: web.Request) -> web.Response:
    """Change attributes of a customer's record (audited: which attributes, not their values)."""
    name, key = request.match_info["object"], request.match_info["key"]
    body = await json_body(request)
    try:
        obj = await _storage(request).objects.update(name, key, body)
    except ObjectNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except StorageError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    await audit.record(request.app[SERVICES], current_user(request).username, audit.CUSTOMER_UPDATE,
                       audit.target(obj.ref), {"attributes": sorted(body)}, remote_addr=request.remote)
    return web.json_response({"object": obj.name, "key": str(obj.key), "values": jsonable(obj.as_json())})


@access(Role.ADMIN)
async def erase_customer(request: web.Request) -> web.Response:
    """Erase a customer's personal data everywhere ({"customer": "ATTR=VALUE", "dry_run": true} shows the report)."""
    body = await json_body(request)
    selector = _selector(request, body)
    try:
        report = await erase(_storage(request), selector, dry_run=bool(body.get("dry_run", False)),
                             **_who(request))
    except PrivacyError as exc:
        raise _privacy_error(exc) from exc
    return web.json_response({"report": report.as_dict(), "text": report.lines()})


@access(Role.ADMIN)
async def export_customer(request: web.Request) -> web.StreamResponse:
    """Everything held about one person: a zip of export.json and their recordings ({"customer": "ATTR=VALUE"})."""
    body = await json_body(request)
    selector = _selector(request, body)
    with tempfile.TemporaryDirectory(prefix="caruso-export-") as tmp:
        try:
            result = await export(_storage(request), selector, Path(tmp) / "export", **_who(request))
        except PrivacyError as exc:
            raise _privacy_error(exc) from exc
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(result.folder.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(result.folder).as_posix())
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return web.Response(body=buffer.getvalue(), content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="caruso-export-{stamp}.zip"', "Cache-Control": "no-store"})


@access(Role.ADMIN)
async def retention(request: web.Request) -> web.Response:
    """Run the retention job now ({"dry_run": true} only counts)."""
    body = await json_body(request)
    service = request.app[SERVICES].find(keys.PRIVACY)
    if service is None:
        from caruso.privacy.retention import run_retention

        config = request.app[SERVICES].get(keys.CONFIG)
        counts = await run_retention(_storage(request), config.privacy, dry_run=bool(body.get("dry_run")))
    else:
        counts = await service.run_retention(dry_run=bool(body.get("dry_run")))
    return web.json_response({"dry_run": bool(body.get("dry_run")), "counts": counts.as_dict(),
                              "files": len(counts.files)})


@access(Role.ADMIN)
async def audit_log(request: web.Request) -> web.Response:
    """The audit log, filtered (actor, action, kind, target, since, until, before, limit)."""
    entries = await audit_query(request)
    return web.json_response({"entries": [e.as_dict() for e in entries]})


@access(Role.ADMIN)
async def audit_export(request: web.Request) -> web.Response:
    """The audit log as CSV (same filters as /api/privacy/audit, up to 100000 entries)."""
    entries = await audit_query(request, export=True)
    return web.Response(text=audit_csv(entries), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": 'attachment; filename="caruso-audit.csv"', "Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/privacy/customers/{object}/{key}", customer_record)
    app.router.add_patch("/api/privacy/customers/{object}/{key}", update_customer)
    app.router.add_post("/api/privacy/erase", erase_customer)
    app.router.add_post("/api/privacy/export", export_customer)
    app.router.add_post("/api/privacy/retention", retention)
    app.router.add_get("/api/privacy/audit", audit_log)
    app.router.add_get("/api/privacy/audit.csv", audit_export)
