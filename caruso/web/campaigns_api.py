"""Outbound campaigns over the JSON API: the same as ``caruso campaigns`` (list, create, start, pause,
stop, status), plus the pacer's explained decisions, contacts, callbacks, dispositions and preview dialing.

With the dialer service running, changes take effect at once; without it, they are written to the
database (a dialer started later follows them).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.dialer.admin import change_status, summary
from caruso.dialer.codec import spec_from_dict
from caruso.storage.campaign_repository import CampaignRepository, NewContact
from caruso.storage.phone import normalise_number
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.security import access, current_user
from caruso.web.users_api import audit, json_body


def _dialer(request: web.Request) -> Any:
    return request.app[SERVICES].find(keys.DIALER)


def _need_dialer(request: web.Request) -> Any:
    dialer = _dialer(request)
    if dialer is None or getattr(dialer, "repository", None) is None:
        raise ApiError(503, "service_unavailable", "the dialer service is not running")
    return dialer


def _repo(request: web.Request) -> CampaignRepository:
    dialer = _dialer(request)
    if dialer is not None and getattr(dialer, "repository", None) is not None:
        return dialer.repository
    return CampaignRepository(request.app[SERVICES].get(keys.STORAGE).database)


def _agent(request: web.Request) -> str:
    agent = current_user(request).agent_id
    if not agent:
        raise ApiError(403, "forbidden", "this user is not an agent")
    return agent


def _time(value: Any, field: str) -> float:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise ApiError(400, "bad_request", f"{field}: an ISO 8601 time with its offset", {"field": field}) from None
    if when.tzinfo is None:
        raise ApiError(400, "bad_request", f"{field}: give the offset (e.g. +01:00 or Z)", {"field": field})
    return when.timestamp()


@access(Role.SUPERVISOR)
async def list_campaigns(request: web.Request) -> web.Response:
    """Every campaign with its status and live progress."""
    repo, now = _repo(request), time.time()
    return web.json_response({"campaigns": [await summary(repo, info, now) for info in await repo.list()]})


@access(Role.ADMIN)
async def create_campaign(request: web.Request) -> web.Response:
    """Create a campaign (draft): name, mode, purpose, queue, script, caller_id, calling_windows, retry, pacing..."""
    body = await json_body(request)
    info = await _repo(request).create(spec_from_dict(body))
    await audit(request, "campaign.create", f"campaign:{info.spec.name}", {"mode": info.spec.mode.value})
    return web.json_response(await summary(_repo(request), info, time.time()), status=201)


@access(Role.SUPERVISOR)
async def campaign_status(request: web.Request) -> web.Response:
    """Status, progress (dialed, answered, connected, abandoned, no answer, busy, failed, remaining), 30-day abandonment."""
    name = request.match_info["name"]
    dialer = _dialer(request)
    if dialer is not None and getattr(dialer, "repository", None) is not None:
        return web.json_response(await dialer.status(name))
    repo = _repo(request)
    return web.json_response(await summary(repo, await repo.get(name), time.time()))


async def _change(request: web.Request, action: str) -> web.Response:
    name = request.match_info["name"]
    dialer = _dialer(request)
    if dialer is not None and getattr(dialer, "repository", None) is not None:
        info = await getattr(dialer, action)(name)
    else:
        info = await change_status(_repo(request), name, action, time.time())
    await audit(request, f"campaign.{action}", f"campaign:{name}")
    return web.json_response({"name": name, "status": info.status.value})


@access(Role.SUPERVISOR)
async def start_campaign(request: web.Request) -> web.Response:
    """Start (or resume) a campaign."""
    return await _change(request, "start")


@access(Role.SUPERVISOR)
async def pause_campaign(request: web.Request) -> web.Response:
    """Pause a running campaign (lines in flight end; nothing new is dialed)."""
    return await _change(request, "pause")


@access(Role.SUPERVISOR)
async def stop_campaign(request: web.Request) -> web.Response:
    """Stop a campaign."""
    return await _change(request, "stop")


@access(Role.SUPERVISOR)
async def pacing_decisions(request: web.Request) -> web.Response:
    """The pacer's recent decisions, each with its inputs and reason (why the dialer did what it did)."""
    name = request.match_info["name"]
    await _repo(request).get(name)
    dialer = _dialer(request)
    return web.json_response({"decisions": dialer.decisions(name) if dialer is not None else []})


@access(Role.SUPERVISOR)
async def add_contacts(request: web.Request) -> web.Response:
    """Add contacts ({"contacts": [{number, customer_object, customer_key, timezone, priority, data}]}) or load the query ({"load": true})."""
    name = request.match_info["name"]
    body = await json_body(request)
    if body.get("load"):
        added = await _need_dialer(request).load_contacts(name)
    else:
        country = request.app[SERVICES].get(keys.CONFIG).storage.default_country
        contacts = []
        for i, item in enumerate(body.get("contacts") or []):
            try:
                number = normalise_number(str(item["number"]), country)
            except (KeyError, TypeError, ValueError) as exc:
                raise ApiError(400, "bad_request", f"contacts[{i}]: {exc}", {"field": f"contacts[{i}].number"}) from None
            obj, key = item.get("customer_object"), item.get("customer_key")
            contacts.append(NewContact(number, (str(obj), str(key)) if obj and key else None, item.get("timezone"),
                                       int(item.get("priority", 0)), dict(item.get("data") or {})))
        dialer = _dialer(request)
        added = await (dialer.add_contacts(name, contacts) if dialer is not None and dialer.repository is not None
                       else _repo(request).add_contacts(name, contacts))
    await audit(request, "campaign.contacts", f"campaign:{name}", {"added": added})
    return web.json_response({"added": added})


@access(Role.AGENT)
async def schedule_callback(request: web.Request) -> web.Response:
    """Promise a callback: {contact_id, due_at (ISO with offset), personal (bool), note}."""
    name = request.match_info["name"]
    body = await json_body(request)
    agent = _agent(request)
    due = _time(body.get("due_at"), "due_at")
    callback = await _need_dialer(request).schedule_callback(
        name, int(body.get("contact_id", 0)), due, agent=agent if body.get("personal", True) else None,
        note=str(body.get("note", ""))[:500])
    return web.json_response({"callback": callback}, status=201)


@access(Role.AGENT)
async def call_disposition(request: web.Request) -> web.Response:
    """The outcome of a campaign call ({outcome, callback_at}), when the agent script does not give it."""
    body = await json_body(request)
    outcome = str(body.get("outcome", "")).strip() or None
    callback_at = _time(body["callback_at"], "callback_at") if body.get("callback_at") else None
    if not _need_dialer(request).set_disposition(request.match_info["call_id"], outcome, callback_at):
        raise ApiError(409, "no_call", "no campaign call waits for a disposition with this id")
    return web.json_response({"ok": True})


@access(Role.AGENT)
async def preview_next(request: web.Request) -> web.Response:
    """Preview mode: the next contact (and customer) to look at before dialing."""
    shown = await _need_dialer(request).preview_next(request.match_info["name"], _agent(request))
    return web.json_response({"next": shown})


@access(Role.AGENT)
async def preview_dial(request: web.Request) -> web.Response:
    """Preview mode: dial the contact shown (consent and calling window are checked now)."""
    result = await _need_dialer(request).preview_dial(request.match_info["name"], _agent(request),
                                                      int(request.match_info["contact_id"]))
    return web.json_response({"result": result})


@access(Role.AGENT)
async def preview_skip(request: web.Request) -> web.Response:
    """Preview mode: skip the contact shown (it comes back later)."""
    await _need_dialer(request).preview_skip(request.match_info["name"], _agent(request))
    return web.json_response({"ok": True})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/campaigns", list_campaigns)
    app.router.add_post("/api/campaigns", create_campaign)
    app.router.add_post("/api/campaigns/calls/{call_id}/disposition", call_disposition)
    app.router.add_get("/api/campaigns/{name}", campaign_status)
    app.router.add_post("/api/campaigns/{name}/start", start_campaign)
    app.router.add_post("/api/campaigns/{name}/pause", pause_campaign)
    app.router.add_post("/api/campaigns/{name}/stop", stop_campaign)
    app.router.add_get("/api/campaigns/{name}/decisions", pacing_decisions)
    app.router.add_post("/api/campaigns/{name}/contacts", add_contacts)
    app.router.add_post("/api/campaigns/{name}/callbacks", schedule_callback)
    app.router.add_post("/api/campaigns/{name}/preview/next", preview_next)
    app.router.add_post("/api/campaigns/{name}/preview/skip", preview_skip)
    app.router.add_post("/api/campaigns/{name}/preview/{contact_id}/dial", preview_dial)
