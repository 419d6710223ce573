"""The agent desktop's live side: per agent, the current offer (screen pop), call, script run and
state, pushed to that agent's browsers only.

Fed by the event bus (ACD events by kind, like the monitor).  An offer pops the customer found by the
caller's number, their contact history, the queue and the wait so far; the lookup runs in its own
tracked task so one slow look-up never delays other agents.  When the agent answers, the queue's agent
script starts (queues.settings["script"]); it ends with a disposition the agent picks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from caruso import keys
from caruso.core.manager import ServiceManager
from caruso.events.base import Event
from caruso.events.bus import Subscription
from caruso.monitor.fanout import Broadcaster
from caruso.privacy import audit as privacy_audit
from caruso.script.hosts.services import jsonable
from caruso.storage.admin_repository import AdminRepository
from caruso.storage.script_runs_repository import ScriptRunsRepository
from caruso.web.desktop_script import DesktopRun

log = logging.getLogger(__name__)


def _s(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


@dataclass
class AgentDesk:
    agent: str
    state: str = "logged_out"
    since: float = 0.0
    reason: str = ""
    wrap_up_until: float | None = None
    offer: dict[str, Any] | None = None        # the screen pop of the offered or connected call
    connected: bool = False
    call_ended: bool = False
    run: DesktopRun | None = None
    disposition_needed: bool = False
    broadcaster: Broadcaster | None = None
    sockets: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class DesktopHub:
    def __init__(self, services: ServiceManager) -> None:
        self.services = services
        self.desks: dict[str, AgentDesk] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscription: Subscription | None = None
        self._handlers = {
            "acd.agent_state_changed": self._on_state,
            "acd.call_offered": self._on_offered,
            "acd.call_answered": self._on_answered,
            "acd.call_ended": self._on_ended,
            "acd.call_abandoned": self._on_gone,
            "acd.call_overflowed": self._on_gone,
            "acd.call_queued": self._on_queued,
            "acd.call_ring_failed": self._on_ring_failed,
            "dialer.call_connected": self._on_campaign_call,
        }
        # call -> (caller number, joined the queue at): the offer event does not repeat them
        self._calls: dict[str, tuple[str, float]] = {}

    # lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        bus = self.services.find(keys.EVENTS)
        if bus is not None:
            self._subscription = bus.subscribe(self._handle, (Event,), name="desktop")

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for desk in self.desks.values():
            if desk.broadcaster is not None:
                await desk.broadcaster.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # per agent ----------------------------------------------------------------------------------
    def desk(self, agent: str) -> AgentDesk:
        desk = self.desks.get(agent)
        if desk is None:
            desk = self.desks[agent] = AgentDesk(agent)
            desk.broadcaster = Broadcaster(lambda: json.dumps(self.snapshot(agent)), queue_size=200)
            monitor = self.services.find(keys.MONITOR)
            status = monitor.projection.agents.get(agent) if monitor is not None else None
            if status is not None:
                desk.state, desk.since, desk.reason = status.state, status.since, status.reason
        return desk

    def snapshot(self, agent: str) -> dict[str, Any]:
        d = self.desk(agent)
        return {"type": "snapshot", "server_time": time.time(), "agent": agent, "state": d.state, "since": d.since,
                "reason": d.reason, "wrap_up_until": d.wrap_up_until, "offer": d.offer, "connected": d.connected,
                "call_ended": d.call_ended, "script": d.run.view() if d.run else None,
                "disposition_needed": d.disposition_needed}

    def push(self, agent: str, message: dict[str, Any]) -> None:
        d = self.desk(agent)
        assert d.broadcaster is not None
        d.broadcaster.publish(json.dumps(message))

    def push_snapshot(self, agent: str) -> None:
        snap = self.snapshot(agent)
        snap["type"] = "update"
        self.push(agent, snap)

    # events -------------------------------------------------------------------------------------
    async def _handle(self, event: Any) -> None:
        handler = self._handlers.get(getattr(event, "kind", ""))
        if handler is not None:
            await handler(event)

    async def _on_state(self, e: Any) -> None:
        d = self.desk(_s(e.agent))
        d.state, d.since, d.reason = _s(e.new), float(e.at), _s(getattr(e, "reason", ""))
        d.wrap_up_until = None
        if d.state == "wrap_up":
            seconds = await self._wrap_up_seconds(d.agent)
            d.wrap_up_until = d.since + seconds if seconds else None
        self.push_snapshot(d.agent)

    async def _on_queued(self, e: Any) -> None:
        call = _s(e.call)
        if call not in self._calls or not getattr(e, "requeued", False):
            self._calls[call] = (_s(getattr(e, "caller", "")), float(e.at))
        if len(self._calls) > 100_000:           # calls that never ended cleanly: forget the oldest
            for old in list(self._calls)[:50_000]:
                del self._calls[old]

    async def _on_ring_failed(self, e: Any) -> None:
        d = self.desks.get(_s(e.agent))
        if d is not None and d.offer is not None and d.offer["call"] == _s(e.call) and not d.connected:
            d.offer = None
            self.push_snapshot(d.agent)

    async def _on_offered(self, e: Any) -> None:
        agents = getattr(e, "agents", None) or ([getattr(e, "agent")] if getattr(e, "agent", None) else [])
        for agent in agents:
            self._spawn(self._pop(_s(agent), e))

    async def _pop(self, agent: str, e: Any) -> None:
        caller, joined = self._calls.get(_s(e.call), (_s(getattr(e, "caller", "")), float(e.at)))
        offer: dict[str, Any] = {"call": _s(e.call), "queue": _s(e.queue), "caller": caller,
                                 "waiting_since": joined, "offered_at": float(e.at), "customer": None,
                                 "history": []}
        d = self.desk(agent)
        d.offer, d.connected, d.call_ended, d.run, d.disposition_needed = offer, False, False, None, False
        try:
            offer["customer"], offer["history"] = await self._customer(caller)
            await self._audit_pop(agent, offer)
        except Exception:        # the pop shows the call without the customer rather than nothing
            log.exception("screen pop look-up failed for %s", caller)
        self.push(agent, {"type": "offer", "offer": offer})

    async def _audit_pop(self, agent: str, offer: dict[str, Any]) -> None:
        """Who saw which customer's record (the audit log keeps the key, no values)."""
        if offer.get("customer"):
            await privacy_audit.record(self.services, agent, privacy_audit.CUSTOMER_VIEW,
                                       f"{offer['customer']['object']}:{offer['customer']['key']}",
                                       {"via": "screen pop", "call": offer["call"]})

    async def _customer(self, number: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        storage = self.services.find(keys.STORAGE)
        if storage is None or not number:
            return None, []
        found = await storage.identify_caller(number)
        if not found:
            return None, []
        obj = found[0]
        page = await storage.timeline(obj, limit=20)
        history = [{"kind": h.kind, "channel": h.channel, "started_at": h.started_at.isoformat(),
                    "direction": h.direction, "agent": h.agent, "queue": h.queue, "outcome": h.outcome,
                    "summary": h.summary} for h in page.items]
        return {"object": obj.name, "key": str(obj.key), "values": jsonable(obj.as_json()),
                "others": len(found) - 1}, history

    async def _on_answered(self, e: Any) -> None:
        agent = _s(e.agent)
        d = self.desk(agent)
        if d.offer is None or d.offer["call"] != _s(e.call):
            d.offer = {"call": _s(e.call), "queue": _s(e.queue), "caller": _s(getattr(e, "caller", "")),
                       "waiting_since": float(e.at) - float(getattr(e, "waited", 0.0)), "offered_at": float(e.at),
                       "customer": None, "history": []}
        d.connected = True
        d.disposition_needed = True
        self._spawn(self._start_script(d))

    async def _on_campaign_call(self, e: Any) -> None:
        """A campaign call reached the agent: pop the contact and run the campaign's script."""
        agent = _s(e.agent)
        d = self.desk(agent)
        d.offer = {"call": _s(e.call_id), "queue": f"campaign {_s(e.campaign)}", "campaign": _s(e.campaign),
                   "caller": _s(e.number), "waiting_since": float(e.at), "offered_at": float(e.at),
                   "customer": None, "history": [], "script": getattr(e, "script", None)}
        d.connected, d.call_ended, d.run, d.disposition_needed = True, False, None, True
        try:
            d.offer["customer"], d.offer["history"] = await self._customer(_s(e.number))
            await self._audit_pop(agent, d.offer)
        except Exception:
            log.exception("screen pop look-up failed for %s", _s(e.number))
        self.push(agent, {"type": "offer", "offer": d.offer})
        self._spawn(self._start_script(d))

    async def _start_script(self, d: AgentDesk) -> None:
        assert d.offer is not None
        script = d.offer.get("script") or await self._queue_script(d.offer["queue"])
        if script:
            storage = self.services.get(keys.STORAGE)
            customer = d.offer.get("customer")
            run = DesktopRun(self.services, self.services.get(keys.SCRIPTS), ScriptRunsRepository(storage.database),
                             agent=d.agent, call=d.offer["call"],
                             customer=(customer["object"], customer["key"]) if customer else None)
            try:
                key_of = {name: obj.key for name, obj in storage.model.objects.items()}
                await run.start(script, {"caller": d.offer.get("caller")}, key_of)
                d.run = run
            except Exception as exc:
                log.exception("agent script %s failed to start", script)
                d.offer["script_error"] = str(exc)
        self.push_snapshot(d.agent)

    async def _on_ended(self, e: Any) -> None:
        agent = _s(getattr(e, "agent", ""))
        if not agent:
            return
        d = self.desk(agent)
        self._calls.pop(_s(e.call), None)
        if d.offer is not None and d.offer["call"] == _s(e.call):
            d.call_ended, d.connected = True, False
            self.push_snapshot(agent)

    async def _on_gone(self, e: Any) -> None:
        """The offered call went away before the agent answered: clear the pop."""
        self._calls.pop(_s(e.call), None)
        for d in self.desks.values():
            if d.offer is not None and d.offer["call"] == _s(e.call) and not d.connected:
                d.offer = None
                self.push_snapshot(d.agent)

    # outbound ------------------------------------------------------------------------------------
    async def place_call(self, agent: str, number: str, outbound: Any) -> None:
        """Dial *number* for *agent* in a tracked task; the outcome is pushed to the agent's desktop."""
        async def dial() -> None:
            try:
                outcome = await outbound.call(number, agent=agent)
            except asyncio.CancelledError:
                raise
            except Exception as exc:     # not answered, busy, no telephony: the agent sees why
                outcome = f"failed: {exc}"
            self.push(agent, {"type": "outbound", "number": number, "outcome": str(outcome)})

        self.push(agent, {"type": "outbound", "number": number, "outcome": "dialing"})
        self._spawn(dial())

    # configuration look-ups ----------------------------------------------------------------------
    async def _queue_script(self, queue: str) -> str | None:
        storage = self.services.find(keys.STORAGE)
        if storage is None:
            return None
        for q in await AdminRepository(storage.database).queues():
            if q["name"] == queue:
                return q["settings"].get("script") or None
        return None

    async def _wrap_up_seconds(self, agent: str) -> float:
        acd = self.services.find(keys.ACD)
        runtime = getattr(getattr(acd, "core", None), "agents", {}).get(agent)
        if runtime is not None:
            return float(runtime.config.wrap_up)
        storage = self.services.find(keys.STORAGE)
        if storage is None:
            return 0.0
        for a in await AdminRepository(storage.database).agents():
            if a["login"] == agent:
                return float(a["wrapup_seconds"] or 0)
        return 0.0
