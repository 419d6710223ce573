"""The agent desktop: the page, its WebSocket, state changes, the script, the disposition, preview
outbound calls and voicemails.  Every call acts for the logged-in user's own agent (from the session,
never from the request), so an agent cannot reach another agent's data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from caruso import keys
from caruso.acd.errors import InvalidTransition, UnknownAgent
from caruso.auth.roles import Role
from caruso.privacy import audit as privacy_audit
from caruso.storage.history import ContactEvent
from caruso.web.desktop_hub import DesktopHub
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.pages import render
from caruso.web.security import access, current_user
from caruso.web.sockets import serve_broadcast
from caruso.web.users_api import audit, json_body

HUB = web.AppKey("desktop_hub", DesktopHub)
STATES = {"ready", "paused", "logged_out"}
DISPOSITIONS = ("resolved", "follow_up", "escalated", "sale", "no_sale", "wrong_number", "other")


def my_agent(request: web.Request) -> str:
    agent = current_user(request).agent_id
    if not agent:
        raise ApiError(403, "not_an_agent", "this user works as no agent; an admin links users to agents")
    return agent


@access(Role.AGENT)
async def desktop_page(request: web.Request) -> web.Response:
    return await render(request, "desktop.html", dispositions=",".join(DISPOSITIONS))


@access(Role.AGENT)
async def state(request: web.Request) -> web.Response:
    return web.json_response(request.app[HUB].snapshot(my_agent(request)))


@access(Role.AGENT)
async def socket(request: web.Request) -> web.WebSocketResponse:
    desk = request.app[HUB].desk(my_agent(request))
    assert desk.broadcaster is not None
    return await serve_broadcast(request, desk.broadcaster)


@access(Role.AGENT)
async def set_state(request: web.Request) -> web.Response:
    agent = my_agent(request)
    body = await json_body(request)
    wanted, reason = str(body.get("state", "")), str(body.get("reason", "") or "")
    if wanted not in STATES:
        raise ApiError(400, "bad_request", f"state must be one of {', '.join(sorted(STATES))}", {"field": "state"})
    if wanted == "paused" and not reason:
        raise ApiError(400, "bad_request", "a pause needs a reason", {"field": "reason"})
    acd = request.app[SERVICES].get(keys.ACD)
    try:
        acd.agent_state(agent, wanted, reason)
    except UnknownAgent as exc:
        raise ApiError(404, "unknown_agent", f"the ACD has no agent {agent!r}") from exc
    except InvalidTransition as exc:
        raise ApiError(409, "invalid_transition", str(exc)) from exc
    snapshot = request.app[HUB].snapshot(agent)
    runtime = acd.core.agents.get(agent)     # the desk learns the change from the bus a moment later
    if runtime is not None:
        snapshot.update(state=runtime.state.value, since=runtime.since, reason=runtime.reason)
    return web.json_response(snapshot)


def _run(request: web.Request) -> Any:
    desk = request.app[HUB].desk(my_agent(request))
    if desk.run is None:
        raise ApiError(409, "no_script", "no agent script is running")
    return desk


@access(Role.AGENT)
async def script_answer(request: web.Request) -> web.Response:
    desk = _run(request)
    body = await json_body(request)
    await desk.run.answer(body.get("value"))
    request.app[HUB].push_snapshot(desk.agent)
    return web.json_response(desk.run.view())


@access(Role.AGENT)
async def script_back(request: web.Request) -> web.Response:
    desk = _run(request)
    await desk.run.back()
    request.app[HUB].push_snapshot(desk.agent)
    return web.json_response(desk.run.view())


@access(Role.AGENT)
async def disposition(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    agent = my_agent(request)
    desk = hub.desk(agent)
    body = await json_body(request)
    value = str(body.get("disposition", ""))
    if value not in DISPOSITIONS:
        raise ApiError(400, "bad_request", f"disposition must be one of {', '.join(DISPOSITIONS)}",
                       {"field": "disposition"})
    if desk.offer is None:
        raise ApiError(409, "no_call", "there is no call to close")
    offer = desk.offer
    if desk.run is not None:
        await desk.run.abort()
    customer = offer.get("customer")
    storage = request.app[SERVICES].get(keys.STORAGE)
    await storage.record_contact(ContactEvent(
        kind="inbound_call", channel="phone", started_at=datetime.fromtimestamp(offer["offered_at"], UTC),
        ended_at=datetime.now(UTC), customer=(customer["object"], customer["key"]) if customer else None,
        address=offer.get("caller") or None, agent=agent, queue=offer.get("queue"), outcome=value,
        summary=str(body.get("note", "") or "")[:500] or None, call_id=offer["call"],
        detail_kind="script_run" if desk.run else None, detail_ref=desk.run.id if desk.run else None))
    if offer.get("campaign"):           # the dialer files the campaign call's outcome (retries, opt-outs)
        dialer = request.app[SERVICES].find(keys.DIALER)
        if dialer is not None:
            dialer.set_disposition(offer["call"], value, None)
    desk.offer, desk.run, desk.disposition_needed, desk.connected = None, None, False, False
    hub.push_snapshot(agent)
    return web.json_response({"ok": True, "disposition": value})


@access(Role.AGENT)
async def outbound(request: web.Request) -> web.Response:
    """Call a customer: the number is dialled and, on answer, bridged to my phone (never a number whose
    consent for service calls is withdrawn).  The outcome is pushed to the desktop when the call ends."""
    agent = my_agent(request)
    body = await json_body(request)
    number = str(body.get("number", "")).strip()
    if not number:
        raise ApiError(400, "bad_request", "a number is required", {"field": "number"})
    services = request.app[SERVICES]
    storage = services.get(keys.STORAGE)
    if not await storage.may_contact(number, "phone", "service"):
        raise ApiError(409, "consent_withdrawn", "this number may not be called (consent withdrawn)")
    flows = services.find(keys.IVR)
    if flows is None or not hasattr(flows, "outbound"):
        raise ApiError(503, "service_unavailable", "outbound calls need the call-flow (ivr) service and telephony")
    await request.app[HUB].place_call(agent, number, flows.outbound)
    await audit(request, "call.outbound", f"number:{number}", {"agent": agent})
    return web.json_response({"status": "dialing", "number": number}, status=202)


async def _my_mailboxes(request: web.Request, agent: str) -> set[str]:
    from caruso.storage.admin_repository import AdminRepository

    storage = request.app[SERVICES].get(keys.STORAGE)
    mine = {f"agent:{agent}"}
    for a in await AdminRepository(storage.database).agents():
        if a["login"] == agent:
            mine |= {f"queue:{q}" for q in a["queues"]}
    return mine


def _voicemail(request: web.Request) -> Any:
    vm = request.app[SERVICES].find(keys.VOICEMAIL)
    if vm is None:
        raise ApiError(503, "service_unavailable", "voicemail is not configured")
    return vm


@access(Role.AGENT)
async def voicemails(request: web.Request) -> web.Response:
    agent = my_agent(request)
    vm = _voicemail(request)
    out = []
    for box in sorted(await _my_mailboxes(request, agent)):
        for m in await vm.messages(box):
            out.append({"id": m.id, "mailbox": m.mailbox, "caller": m.caller_number, "listened": m.listened,
                        "duration": m.duration_seconds, "created_at": m.created_at.isoformat()})
    out.sort(key=lambda m: m["created_at"], reverse=True)
    return web.json_response({"voicemails": out})


async def _own_voicemail(request: web.Request) -> Any:
    agent = my_agent(request)
    vm = _voicemail(request)
    message = await vm.get(int(request.match_info["id"]))
    if message is None or message.mailbox not in await _my_mailboxes(request, agent):
        raise ApiError(404, "not_found", "no such voicemail in your mailboxes")
    return vm, message


@access(Role.AGENT)
async def voicemail_audio(request: web.Request) -> web.StreamResponse:
    vm, message = await _own_voicemail(request)
    path = Path(message.path)
    if not path.is_file():
        raise ApiError(410, "gone", "the recording file is missing")
    await vm.mark_listened(message.id, current_user(request).username)
    await privacy_audit.record(request.app[SERVICES], current_user(request).username, privacy_audit.RECORDING_PLAY,
                               f"voicemail:{message.id}", {"via": "desktop"}, remote_addr=request.remote)
    return web.FileResponse(path, headers={"Content-Type": "audio/wav", "Cache-Control": "no-store"})


async def _hub_ctx(app: web.Application) -> Any:
    hub = DesktopHub(app[SERVICES])
    app[HUB] = hub
    await hub.start()
    yield
    await hub.stop()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_hub_ctx)
    app.router.add_get("/desktop", desktop_page)
    app.router.add_get("/api/desktop", state)
    app.router.add_get("/api/desktop/ws", socket)
    app.router.add_post("/api/desktop/state", set_state)
    app.router.add_post("/api/desktop/script/answer", script_answer)
    app.router.add_post("/api/desktop/script/back", script_back)
    app.router.add_post("/api/desktop/disposition", disposition)
    app.router.add_post("/api/desktop/outbound", outbound)
    app.router.add_get("/api/desktop/voicemails", voicemails)
    app.router.add_get("/api/desktop/voicemails/{id:\\d+}/audio", voicemail_audio)
