"""Reports: the page, the JSON (tables + figures), CSV per table, SVG charts.  Supervisor or admin.

Query: ``start`` and ``end`` (ISO 8601; without a zone: the server's local time; default: today),
``queue`` and ``agent`` to narrow down.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.reports.compute import Report, compute
from caruso.reports.facts import Period
from caruso.reports.svg import CHARTS
from caruso.reports.tables import tables, to_csv
from caruso.storage.reports_repository import ReportsRepository
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.pages import render
from caruso.web.security import access


def _when(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(400, "bad_request", f"{name} is not an ISO 8601 date/time: {text!r}", {"field": name}) from exc
    return value if value.tzinfo is not None else value.astimezone()   # naive: server local time


def period_of(request: web.Request) -> Period:
    today = datetime.combine(datetime.now().date(), time()).astimezone()
    start = _when(request.query["start"], "start") if request.query.get("start") else today
    end = _when(request.query["end"], "end") if request.query.get("end") else start + timedelta(days=1)
    try:
        return Period(start, end)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc), {"field": "end"}) from exc


async def build_report(request: web.Request) -> Report:
    repo = ReportsRepository(request.app[SERVICES].get(keys.STORAGE).database)
    facts = await repo.facts(period_of(request), queue=request.query.get("queue") or None,
                             agent=request.query.get("agent") or None)
    return compute(facts)


@access(Role.SUPERVISOR)
async def reports_page(request: web.Request) -> web.Response:
    return await render(request, "reports.html")


@access(Role.SUPERVISOR)
async def report_json(request: web.Request) -> web.Response:
    report = await build_report(request)
    return web.json_response({**report.as_dict(), "tables": [t.as_dict() for t in tables(report)]})


@access(Role.SUPERVISOR)
async def report_csv(request: web.Request) -> web.Response:
    report = await build_report(request)
    name = request.match_info["table"]
    table = next((t for t in tables(report) if t.name == name), None)
    if table is None:
        raise ApiError(404, "not_found", f"no table {name!r}", {"tables": [t.name for t in tables(report)]})
    stamp = report.period.start.strftime("%Y%m%d-%H%M")
    return web.Response(text=to_csv(table), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="caruso-{name}-{stamp}.csv"'})


@access(Role.SUPERVISOR)
async def report_chart(request: web.Request) -> web.Response:
    chart = CHARTS.get(request.match_info["chart"])
    if chart is None:
        raise ApiError(404, "not_found", "no such chart", {"charts": sorted(CHARTS)})
    svg = chart(await build_report(request))
    return web.Response(text=svg, content_type="image/svg+xml",
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


def setup(app: web.Application) -> None:
    app.router.add_get("/reports", reports_page)
    app.router.add_get("/api/reports", report_json)
    app.router.add_get("/api/reports/{table}.csv", report_csv)
    app.router.add_get("/api/reports/charts/{chart}.svg", report_chart)
