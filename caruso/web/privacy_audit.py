"""The audit log's query parameters and CSV form, for the privacy API."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from aiohttp import web

from caruso import keys
from caruso.auth.users import AuditEntry
from caruso.storage.privacy_audit_repository import AuditFilter, AuditRepository
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES

COLUMNS = ("id", "at", "actor", "action", "target_kind", "target_id", "remote_addr", "details")


def _time(request: web.Request, name: str) -> datetime | None:
    text = request.query.get(name)
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(400, "bad_request", f"{name} must be an ISO 8601 date or time", {"field": name}) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _int(request: web.Request, name: str, default: int | None) -> int | None:
    text = request.query.get(name)
    if not text:
        return default
    if not text.isdigit():
        raise ApiError(400, "bad_request", f"{name} must be a whole number", {"field": name})
    return int(text)


async def audit_query(request: web.Request, *, export: bool = False) -> list[AuditEntry]:
    q = request.query
    target = q.get("target") or ""          # "Customer:42"
    kind, _, ident = target.partition(":")
    limit = _int(request, "limit", 100_000 if export else 100) or 100
    f = AuditFilter(actor=q.get("actor") or None, action=q.get("action") or None,
                    target_kind=q.get("kind") or kind or None, target_id=ident or None,
                    since=_time(request, "since"), until=_time(request, "until"),
                    before_id=_int(request, "before", None), limit=min(limit, 100_000 if export else 1000))
    return await AuditRepository(request.app[SERVICES].get(keys.STORAGE).database).search(f)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text   # no formulas in spreadsheets


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        at = datetime.fromtimestamp(e.at, UTC).isoformat()
        writer.writerow([_cell(v) for v in (e.id, at, e.actor, e.action, e.target_kind, e.target_id, e.remote_addr,
                                            json.dumps(e.details, ensure_ascii=False, sort_keys=True))])
    return out.getvalue()
