"""``DialerService`` (service ``dialer``, key DIALER): runs campaigns.

It owns one ``CampaignRunner`` per running campaign and a loop that places promised callbacks at their
time.  It talks to telephony only through the ``Switch`` interface, to agents through the ACD of the
call flows (service ``ivr``), and to the database through ``CampaignRepository``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from caruso.core.component import Health
from caruso.dialer.acd_pool import AcdAgentPool
from caruso.dialer.admin import change_status, summary
from caruso.dialer.codec import spec_from_dict
from caruso.dialer.dispositions import Disposition, DispositionTable
from caruso.dialer.errors import CallbackRejected, CampaignStateError, DialerError
from caruso.dialer.events import CampaignProgress, CampaignStatusChanged
from caruso.dialer.gate import DialGate
from caruso.dialer.manual import place_manual_call
from caruso.dialer.model import AttemptResult, CampaignSpec, CampaignStatus, Contact, DialMode
from caruso.dialer.pacer import Pacer
from caruso.dialer.ports import AgentPool, AgentSnapshot, ReservedAgent
from caruso.dialer.retries import check_promise
from caruso.dialer.runner import CampaignRunner
from caruso.keys import ACD, EVENTS, IVR, STORAGE, TELEPHONY
from caruso.storage.campaign_repository import CampaignInfo, CampaignRepository, NewContact
from caruso.storage.history import ContactEvent

log = logging.getLogger(__name__)

_RECONCILE_TURNS = 5     # turns of the callbacks loop between two looks at statuses changed elsewhere


class _NoAgents:
    """No ACD configured: no agent is ever free (predictive and progressive dial nothing)."""

    def snapshot(self, queue: str, now: float) -> AgentSnapshot:
        return AgentSnapshot()

    def reserve(self, queue: str, agent: str | None = None) -> ReservedAgent | None:
        return None

    def release(self, agent: str, *, wrap_up: bool) -> None:
        return None


class DialerService:
    def __init__(self, ctx: Any, *, clock: Any = time.time) -> None:
        self.config = ctx.config
        self.settings = ctx.config.dialer
        self._services = ctx.services
        self.clock = clock
        self.storage: Any = None
        self.repository: CampaignRepository = None  # type: ignore[assignment]
        self.gate: DialGate = None  # type: ignore[assignment]
        self.runners: dict[str, CampaignRunner] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._side: set[asyncio.Task[Any]] = set()
        self._detached: set[CampaignRunner] = set()      # placing callbacks of campaigns not running
        self._remaining: dict[int, int] = {}
        self._dispositions: dict[str, asyncio.Future[tuple[str | None, float | None]]] = {}
        self._previews: dict[tuple[str, str], Contact] = {}
        self._callbacks_task: asyncio.Task[None] | None = None
        self._bus: Any = None

    # lifecycle ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        self._bus = self._services.find(EVENTS)
        self.storage = self._services.get(STORAGE)
        self.repository = CampaignRepository(self.storage.database)
        self.gate = DialGate(self.storage, self.repository, self.clock)
        for info in await self.repository.list():
            if info.status is CampaignStatus.RUNNING:
                await self._run(info)
        self._callbacks_task = asyncio.get_running_loop().create_task(self._callbacks_loop(), name="dialer-callbacks")
        try:
            yield
        finally:
            self._callbacks_task.cancel()
            await asyncio.gather(self._callbacks_task, return_exceptions=True)
            for name in list(self.runners):
                await self._halt(name)
            for runner in list(self._detached):
                await runner.close()
            for task in list(self._side):
                task.cancel()
            await asyncio.gather(*self._side, return_exceptions=True)

    def health(self) -> Health:
        if self.repository is None:
            return Health.down("not started")
        if isinstance(self.agents, _NoAgents):
            return Health.degraded("no ACD (service 'ivr'): campaigns cannot reach agents")
        return Health.ok(f"{len(self.runners)} campaign(s) running")

    @property
    def switch(self) -> Any:
        return self._services.get(TELEPHONY)

    @property
    def agents(self) -> AgentPool:
        """The call flows' ACD (it bridges the calls) if there is one, else the ACD service."""
        for key in (IVR, ACD):
            host = self._services.find(key)
            if host is not None and AcdAgentPool.core_of(host) is not None and hasattr(host, "agent_state"):
                return AcdAgentPool(host)
        return _NoAgents()

    def publish(self, event: Any) -> None:
        if self._bus is not None:
            self._bus.publish(event)

    def dial_target(self, number: str) -> str:
        return self.settings.dial_format.format(number=number, digits=number.lstrip("+"))

    # campaigns ----------------------------------------------------------------------------------
    async def create(self, data: dict[str, Any]) -> CampaignInfo:
        return await self.repository.create(spec_from_dict(data))

    async def campaigns(self) -> list[dict[str, Any]]:
        return [await self.status(info.spec.name, info) for info in await self.repository.list()]

    async def start(self, name: str) -> CampaignInfo:
        info = await change_status(self.repository, name, "start", self.clock())
        if name not in self.runners:
            await self._run(info)
        self.publish(CampaignStatusChanged(campaign=name, status="running"))
        return info

    async def pause(self, name: str) -> CampaignInfo:
        return await self._leave(name, "pause")

    async def stop(self, name: str) -> CampaignInfo:
        return await self._leave(name, "stop")

    async def _leave(self, name: str, action: str) -> CampaignInfo:
        info = await change_status(self.repository, name, action, self.clock())
        await self._halt(name)
        self.publish(CampaignStatusChanged(campaign=name, status=info.status.value))
        return info

    async def reconcile(self) -> None:
        """Follow status changes made elsewhere (the CLI on the database): start or halt runners."""
        for info in await self.repository.list():
            name = info.spec.name
            if info.status is CampaignStatus.RUNNING and name not in self.runners:
                await self._run(info)
            elif info.status is not CampaignStatus.RUNNING and name in self.runners:
                await self._halt(name)

    async def _run(self, info: CampaignInfo) -> None:
        await self.repository.reset_in_progress(info.id)
        pacer = Pacer(info.spec.mode, info.spec.pacing, grace=info.spec.abandon_grace,
                      ring_timeout=info.spec.ring_timeout)
        for day, live, abandoned in await self.repository.live_answers_by_day(info.id, self.clock()):
            for i in range(live):
                pacer.record_live_answer(day, abandoned=i < abandoned)
        runner = CampaignRunner(self, info.id, info.spec, pacer)
        runner.seed_counts(await self.repository.attempt_counts(info.id), await self._refresh_remaining(info.id))
        self.runners[info.spec.name] = runner
        if info.spec.mode is not DialMode.PREVIEW:
            self._tasks[info.spec.name] = asyncio.get_running_loop().create_task(
                runner.run(), name=f"dialer-campaign-{info.spec.name}")

    async def _halt(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        runner = self.runners.pop(name, None)
        if runner is not None:
            await runner.close()
            await self.repository.reset_in_progress(runner.id)

    async def maybe_finished(self, runner: CampaignRunner) -> bool:
        """Every contact is through: the campaign is finished (its runner's loop then ends)."""
        counts = await self._refresh_remaining(runner.id)
        if counts.get("pending", 0) or counts.get("in_progress", 0) or counts.get("callback", 0):
            return False
        if await self.repository.pending_callbacks(runner.id):
            return False
        name = runner.spec.name
        self._tasks.pop(name, None)           # the runner's own task, ending now
        self.runners.pop(name, None)
        await self.repository.set_status(name, CampaignStatus.FINISHED, self.clock())
        self.publish(CampaignStatusChanged(campaign=name, status="finished"))
        return True

    async def _refresh_remaining(self, campaign_id: int) -> dict[str, int]:
        counts = await self.repository.contact_counts(campaign_id)
        self._remaining[campaign_id] = counts.get("pending", 0) + counts.get("in_progress", 0) + \
            counts.get("callback", 0)
        return counts

    def remaining(self, campaign_id: int) -> int:
        return self._remaining.get(campaign_id, 0)

    async def status(self, name: str, info: CampaignInfo | None = None) -> dict[str, Any]:
        info = info or await self.repository.get(name)
        data = await summary(self.repository, info, self.clock())
        runner = self.runners.get(name)
        data["lines_in_flight"] = len(runner.lines) if runner else 0
        data["last_decision"] = runner.decisions[-1] if runner and runner.decisions else None
        return data

    def decisions(self, name: str) -> list[dict[str, Any]]:
        runner = self.runners.get(name)
        return list(runner.decisions) if runner else []

    async def add_contacts(self, name: str, contacts: Iterable[NewContact]) -> int:
        added = await self.repository.add_contacts(name, contacts)
        info = await self.repository.get(name)
        await self._refresh_remaining(info.id)
        return added

    async def load_contacts(self, name: str) -> int:
        """Load the campaign's business-object query: ``{"object", "where", "number", "timezone"}``."""
        info = await self.repository.get(name)
        source = dict(info.spec.contact_source)
        if not source.get("object"):
            raise DialerError(f"campaign {name!r} has no business-object query to load (contact_source.object)")
        objects = await self.storage.objects.find(source["object"], source.get("where") or {})
        number_attr, tz_attr = source.get("number", "phone"), source.get("timezone")
        contacts = [NewContact(number=str(o.get(number_attr)), customer=o.ref,
                               timezone=str(o.get(tz_attr)) if tz_attr and o.get(tz_attr) else None)
                    for o in objects if o.get(number_attr)]
        return await self.add_contacts(name, contacts)

    # agents' side: dispositions, callbacks, preview ---------------------------------------------
    def set_disposition(self, call_id: str, outcome: str | None, callback_at: float | None = None) -> bool:
        future = self._dispositions.get(call_id)
        if future is None or future.done():
            return False
        future.set_result((outcome, callback_at))
        return True

    async def disposition_for(self, call_id: str, campaign_id: int) -> tuple[Disposition, float | None]:
        """The agent's outcome for the call: told through the API, else the agent script's saved outcome."""
        table = DispositionTable.from_rows(await self.repository.dispositions(campaign_id))
        future: asyncio.Future[tuple[str | None, float | None]] = asyncio.get_running_loop().create_future()
        self._dispositions[call_id] = future
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.disposition_timeout
        try:
            while loop.time() < deadline:
                try:
                    async with asyncio.timeout(1.0):     # (wait_for could drop a cancellation on 3.11: see ami_link)
                        outcome, callback_at = await asyncio.shield(future)
                    return table.resolve(outcome), callback_at
                except TimeoutError:
                    run = await self.repository.script_outcome(call_id)
                    if run is not None and run[0] != "running":
                        return table.resolve(run[1]), None
            return table.resolve(None), None
        finally:
            self._dispositions.pop(call_id, None)

    async def schedule_callback(self, name: str, contact_id: int, due_at: float, *, agent: str | None = None,
                                note: str = "") -> int:
        info = await self.repository.get(name)
        contact = await self.repository.get_contact(contact_id)
        check_promise(info.spec, contact, due_at, self.clock())
        return await self.repository.add_callback(info.id, contact, due_at, agent=agent, note=note)

    async def _callbacks_loop(self) -> None:
        turn = 0
        while True:
            try:
                turn += 1
                if turn % _RECONCILE_TURNS == 0:
                    await self.reconcile()
                for due in await self.repository.claim_due_callbacks(self.clock()):
                    await self._place_callback(due)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dialer: callbacks turn failed")
            await asyncio.sleep(self.settings.tick_seconds)

    async def _place_callback(self, due: Any) -> None:
        if due.campaign is None:
            await self.repository.finish_callback(due.id, "failed", self.clock())
            return
        info = await self.repository.get(due.campaign)
        agent = self.agents.reserve(info.spec.queue or "", due.agent)
        if agent is None:                       # nobody free yet: keep it due, try again next turn
            await self.repository.unclaim_callback(due.id)
            return
        runner = self.runners.get(due.campaign) or CampaignRunner(self, info.id, info.spec, Pacer(DialMode.PROGRESSIVE))
        runner.spawn(runner.attempt(due.contact, agent=agent, callback_id=due.id))
        if due.campaign not in self.runners:
            self._detached.add(runner)

    async def preview_call(self, *, agent: str, number: str, customer: Any = None) -> Any:
        """A call the agent places by hand (agent desktop): gate, agent's phone first, then the customer."""
        return await place_manual_call(self, agent, number, customer)

    def track(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._side.add(task)
        task.add_done_callback(self._side.discard)
        return task

    async def preview_next(self, name: str, agent: str) -> dict[str, Any] | None:
        """The next contact for *agent* to look at before dialing (kept for them until dialed or skipped)."""
        info = await self.repository.get(name)
        if info.spec.mode is not DialMode.PREVIEW or info.status is not CampaignStatus.RUNNING:
            raise CampaignStateError(f"campaign {name!r} is not a running preview campaign")
        held = self._previews.get((name, agent))
        if held is None:
            claimed = await self.repository.claim_due(info.id, self.clock(), 1)
            if not claimed:
                return None
            held = self._previews[(name, agent)] = claimed[0]
        customer = None
        if held.customer_object and held.customer_key:
            try:
                customer = (await self.storage.objects.get(held.customer_object, held.customer_key)).as_json()
            except Exception:
                customer = None
        return {"contact": {"id": held.id, "number": held.number, "attempts": held.attempts,
                            "data": dict(held.data)}, "customer": customer, "script": info.spec.script}

    async def preview_dial(self, name: str, agent: str, contact_id: int) -> str:
        held = self._previews.get((name, agent))
        if held is None or held.id != contact_id:
            raise CampaignStateError(f"contact {contact_id} is not the one shown to agent {agent!r}")
        runner = self.runners.get(name)
        if runner is None:
            raise CampaignStateError(f"campaign {name!r} is not running")
        reserved = self.agents.reserve(runner.spec.queue or "", agent)
        if reserved is None:
            raise CampaignStateError(f"agent {agent!r} is not ready in queue {runner.spec.queue!r}")
        del self._previews[(name, agent)]
        result = await runner.attempt(held, agent=reserved)
        return result.value

    async def preview_skip(self, name: str, agent: str) -> None:
        held = self._previews.pop((name, agent), None)
        if held is not None:
            await self.repository.postpone(held.id, self.clock() + self.settings.recheck_seconds)

    # storage side effects -----------------------------------------------------------------------
    async def opt_out(self, spec: CampaignSpec, contact: Contact) -> None:
        """The customer asked on the call not to be called: withdraw consent for the number (and customer)."""
        subject: Any = contact.number
        await self.storage.set_consent(subject, "phone", spec.purpose.value, "opt_out",
                                       source=f"campaign {spec.name}: agent disposition")
        if contact.customer_object and contact.customer_key:
            await self.storage.set_consent((contact.customer_object, contact.customer_key), "phone",
                                           spec.purpose.value, "opt_out", source=f"campaign {spec.name}")

    async def record_history(self, spec: CampaignSpec, campaign_id: int | None, contact: Contact, result: AttemptResult, *,
                             started_at: float, ended_at: float, call: Any, agent: str | None, outcome: str) -> None:
        customer = (contact.customer_object, contact.customer_key) \
            if contact.customer_object and contact.customer_key else None
        try:
            await self.storage.record_contact(ContactEvent(
                kind="outbound_call", channel="phone", direction="outbound", customer=customer,
                address=contact.number, started_at=datetime.fromtimestamp(started_at, UTC),
                ended_at=datetime.fromtimestamp(ended_at, UTC), agent=agent, queue=spec.queue, outcome=outcome,
                summary=f"campaign {spec.name}: {result.value}", detail_kind="call" if call is not None else None,
                detail_ref=call.id if call is not None else None, call_id=call.id if call is not None else None,
                campaign_id=campaign_id))
        except Exception:
            log.exception("campaign %s: could not append contact history for contact %s", spec.name, contact.id)


__all__ = ["DialerService", "CallbackRejected", "CampaignProgress"]
