"""One running campaign: every turn the pacer decides, claimed contacts pass the gate at dial time, and
each line is followed from originate to disposition.  Every task is tracked; stopping cancels the
lines in flight (a connected call is left to finish with its agent)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from datetime import datetime
from typing import TYPE_CHECKING, Any

from caruso.dialer.compliance import BlockReason
from caruso.dialer.dispositions import Disposition
from caruso.dialer.events import CampaignCallConnected, CampaignProgress, DialBlocked, PacingDecided
from caruso.dialer.model import AttemptResult, CampaignSpec, Contact, DialMode
from caruso.dialer.pacer import Pacer, PacerInputs, PacingDecision
from caruso.dialer.ports import ReservedAgent
from caruso.dialer.retries import ContactPlan, ContactStatus, after_attempt
from caruso.telephony.interface import Call, CallEnded, DialFailed, HangupCause, Prompt

if TYPE_CHECKING:
    from caruso.dialer.service import DialerService

log = logging.getLogger(__name__)

_RESULT = {HangupCause.BUSY: AttemptResult.BUSY, HangupCause.NO_ANSWER: AttemptResult.NO_ANSWER,
           HangupCause.REJECTED: AttemptResult.REJECTED, HangupCause.CANCELLED: AttemptResult.NO_ANSWER}
_WAIT = (BlockReason.OUTSIDE_WINDOW, BlockReason.TOO_SOON, BlockReason.AGENT_REQUIRED)
_FINISH_CHECK_TURNS = 10   # idle turns between two "is every contact through?" checks


class CampaignRunner:
    def __init__(self, service: DialerService, campaign_id: int, spec: CampaignSpec, pacer: Pacer) -> None:
        self.service = service
        self.id = campaign_id
        self.spec = spec
        self.pacer = pacer
        self.lines: dict[int, float] = {}           # line -> dial time (ringing, not yet answered)
        self.waiting = 0                            # live answers looking for an agent
        self.counts: Counter[str] = Counter()
        self.decisions: deque[dict[str, Any]] = deque(maxlen=200)
        self.tasks: set[asyncio.Task[Any]] = set()
        self._seq = 0
        self._last_mode: DialMode | None = None
        self._idle_turns = 0

    def seed_counts(self, attempts: dict[str, int], contacts: dict[str, int]) -> None:
        """Progress counts from the database (a restarted or resumed campaign goes on counting)."""
        self.counts.update({k: v for k, v in attempts.items() if k != "blocked"})
        self.counts["dialed"] = sum(n for k, n in attempts.items() if k != "blocked")
        self.counts["answered"] = attempts.get("connected", 0) + attempts.get("abandoned", 0)
        self.counts["blocked"] = contacts.get("do_not_call", 0)

    # the loop -----------------------------------------------------------------------------------
    async def run(self) -> None:
        svc = self.service
        while True:
            try:
                if await self.turn():
                    return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("campaign %s: pacing turn failed", self.spec.name)
            await asyncio.sleep(svc.settings.tick_seconds)

    async def turn(self) -> bool:
        """One pacing decision and its dials; True when the campaign has finished."""
        svc = self.service
        now = svc.clock()
        queue = self.spec.queue or ""
        agents = svc.agents.snapshot(queue, now)
        inputs = PacerInputs(now=now, agents_ready=agents.ready, agents_staffed=agents.staffed,
                             wrap_up_left=agents.wrap_up_left, talking_for=agents.talking_for,
                             ringing_for=tuple(now - t for t in self.lines.values()), waiting_answers=self.waiting,
                             wrap_up=agents.wrap_up, dialable=svc.settings.max_lines)
        decision = self.pacer.decide(inputs)
        self._explain(decision)
        if decision.dial:
            contacts = await svc.repository.claim_due(self.id, now, decision.dial)
            for contact in contacts:
                self.spawn(self.attempt(contact))
            self._idle_turns = 0 if contacts else self._idle_turns + 1
        else:
            self._idle_turns += 1
        if self._idle_turns and self._idle_turns % _FINISH_CHECK_TURNS == 0 and not self.tasks:
            return await svc.maybe_finished(self)
        return False

    def _explain(self, decision: PacingDecision) -> None:
        """Every decision is logged with its inputs (DEBUG); those that dial or change mode also at INFO,
        kept for the API and published on the bus."""
        changed = decision.dial or decision.mode is not self._last_mode
        self._last_mode = decision.mode
        if not changed and not log.isEnabledFor(logging.DEBUG):
            return
        data = decision.as_dict()
        i = decision.inputs
        line = (f"campaign {self.spec.name} pacing: {decision.reason} [ready {i.agents_ready}, staffed "
                f"{i.agents_staffed}, wrap-up {len(i.wrap_up_left)}, talking {len(i.talking_for)}, ringing "
                f"{len(i.ringing_for)}, waiting {i.waiting_answers}, answer rate {decision.answer_rate:.1%} "
                f"of {decision.answer_samples}, abandoned {decision.abandon_rate:.2%} of {decision.live_answers} "
                f"live over 30 days]")
        if not changed:
            log.debug("%s", line)
            return
        log.info("%s", line)
        self.decisions.append(data)
        self.service.publish(PacingDecided(campaign=self.spec.name, dial=decision.dial, mode=decision.mode.value,
                                           reason=decision.reason, decision=data, at=i.now))

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("campaign %s: a call failed", self.spec.name, exc_info=task.exception())

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    # one attempt --------------------------------------------------------------------------------
    async def attempt(self, contact: Contact, *, agent: ReservedAgent | None = None,
                      callback_id: int | None = None) -> AttemptResult:
        svc, spec = self.service, self.spec
        if contact.agent_required and agent is None:   # after an abandoned call: an agent first, then dial
            agent = svc.agents.reserve(spec.queue or "")
        try:
            verdict = await svc.gate.check(spec, contact, agent_reserved=agent is not None,
                                           callback=callback_id is not None)
        except BaseException:
            await svc.repository.postpone(contact.id, None)
            self._release(agent, wrap_up=False)
            raise
        if not verdict.allowed:
            self._release(agent, wrap_up=False)
            await self._blocked(contact, verdict.reason, verdict.detail, verdict.retry_at, callback_id)
            return AttemptResult.BLOCKED
        self._seq += 1
        line, dialed_at = self._seq, svc.clock()
        self.lines[line] = dialed_at
        self.counts["dialed"] += 1
        attempt_id = await svc.repository.start_attempt(self.id, contact, dialed_at)
        self.progress()
        try:
            call = await svc.switch.originate(svc.dial_target(contact.number), caller_id=spec.caller_id,
                                              ring_timeout=spec.ring_timeout,
                                              variables={"campaign": spec.name, "contact": str(contact.id)})
        except DialFailed as exc:
            self.lines.pop(line, None)
            self._release(agent, wrap_up=False)
            result = _RESULT.get(exc.cause, AttemptResult.FAILED)
            self.pacer.record_attempt(answered=False, dialed_at=dialed_at, ring_seconds=svc.clock() - dialed_at)
            await self._finish(contact, attempt_id, result, callback_id=callback_id)
            return result
        except BaseException:
            self.lines.pop(line, None)
            self._release(agent, wrap_up=False)
            await svc.repository.postpone(contact.id, None)
            raise
        answered_at = svc.clock()
        self.lines.pop(line, None)
        try:
            if spec.detect_machines and await self._machine(call):
                self.pacer.record_attempt(answered=False, dialed_at=dialed_at, ring_seconds=answered_at - dialed_at)
                self._release(agent, wrap_up=False)
                await self._finish(contact, attempt_id, AttemptResult.MACHINE, answered_at=answered_at, call=call,
                                   callback_id=callback_id)
                return AttemptResult.MACHINE
            self.pacer.record_attempt(answered=True, dialed_at=dialed_at, ring_seconds=answered_at - dialed_at)
            self.counts["answered"] += 1
            return await self._answered(call, contact, attempt_id, svc.clock(), agent, callback_id)
        finally:
            if not call.ended:
                await call.hangup()

    async def _machine(self, call: Call) -> bool:
        """Answering-machine detection, where the driver has it (the Asterisk driver's ``detect_machine``);
        anything but a sure MACHINE counts as a live answer."""
        detect = getattr(call, "detect_machine", None)
        if detect is None:
            return False
        try:
            status, cause = await detect()
        except CallEnded:
            return False
        except Exception:
            log.exception("campaign %s: answering-machine detection failed; treated as a live answer", self.spec.name)
            return False
        log.info("campaign %s: call %s AMD %s (%s)", self.spec.name, call.id, status, cause)
        return str(status).upper() == "MACHINE"

    async def _answered(self, call: Call, contact: Contact, attempt_id: int, answered_at: float,
                        agent: ReservedAgent | None, callback_id: int | None) -> AttemptResult:
        svc, spec = self.service, self.spec
        if agent is None:
            agent = await self._find_agent()
        if agent is None:
            return await self._abandon(call, contact, attempt_id, answered_at, callback_id)
        talk_from = svc.clock()

        def connected() -> None:
            self.counts["connected"] += 1
            svc.publish(CampaignCallConnected(campaign=spec.name, call_id=call.id, agent=agent.id,
                                              contact_id=contact.id, number=contact.number,
                                              customer_object=contact.customer_object,
                                              customer_key=contact.customer_key, script=spec.script))
            self.progress()

        try:
            await call.bridge(agent.phone, ring_timeout=svc.settings.agent_ring_timeout, caller_id=spec.caller_id,
                              on_answered=connected)
        except DialFailed:
            # the agent's phone did not take the call: the customer reached nobody
            self._release(agent, wrap_up=False)
            return await self._abandon(call, contact, attempt_id, answered_at, callback_id)
        except CallEnded:
            pass
        except BaseException:
            self._release(agent, wrap_up=False)
            await svc.repository.postpone(contact.id, None)
            raise
        self.pacer.record_live_answer(answered_at, abandoned=False)
        ended_at = svc.clock()
        self.pacer.record_talk(ended_at - talk_from)
        self._release(agent, wrap_up=True)
        disposition, callback_at = await svc.disposition_for(call.id, self.id)
        await self._finish(contact, attempt_id, AttemptResult.CONNECTED, answered_at=answered_at, call=call,
                           agent=agent.id, disposition=disposition, callback_at=callback_at, callback_id=callback_id)
        return AttemptResult.CONNECTED

    async def _find_agent(self) -> ReservedAgent | None:
        """A ready agent within the grace (2 s at most), polled every 50 ms."""
        svc = self.service
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.spec.abandon_grace   # the customer waits in real time
        self.waiting += 1
        try:
            while True:
                agent = svc.agents.reserve(self.spec.queue or "")
                if agent is not None or loop.time() >= deadline:
                    return agent
                await asyncio.sleep(0.05)
        finally:
            self.waiting -= 1

    async def _abandon(self, call: Call, contact: Contact, attempt_id: int, answered_at: float,
                       callback_id: int | None) -> AttemptResult:
        svc = self.service
        self.pacer.record_live_answer(answered_at, abandoned=True)
        self.counts["abandoned"] += 1
        message = self.spec.identification_message or svc.settings.identification_message
        try:
            await call.play(Prompt(text=message))
        except CallEnded:
            pass
        except Exception:
            log.exception("campaign %s: the identification message could not be played", self.spec.name)
        await self._finish(contact, attempt_id, AttemptResult.ABANDONED, answered_at=answered_at, call=call,
                           callback_id=callback_id)
        return AttemptResult.ABANDONED

    def _release(self, agent: ReservedAgent | None, *, wrap_up: bool) -> None:
        if agent is not None:
            self.service.agents.release(agent.id, wrap_up=wrap_up)

    # outcomes -----------------------------------------------------------------------------------
    async def _blocked(self, contact: Contact, reason: BlockReason | None, detail: str, retry_at: datetime | None,
                       callback_id: int | None) -> None:
        svc = self.service
        self.service.publish(DialBlocked(campaign=self.spec.name, contact_id=contact.id,
                                         reason=reason.value if reason else "", detail=detail))
        log.info("campaign %s: contact %s not dialed: %s", self.spec.name, contact.id, detail)
        if reason in _WAIT:
            until = retry_at.timestamp() if retry_at is not None else svc.clock() + svc.settings.recheck_seconds
            if reason is BlockReason.AGENT_REQUIRED:
                until = svc.clock() + svc.settings.recheck_seconds
            if callback_id is not None:
                await svc.repository.finish_callback(callback_id, "failed", svc.clock())
            await svc.repository.postpone(contact.id, until)
            return
        self.counts["blocked"] += 1
        status = ContactStatus.FAILED if reason is BlockReason.MAX_ATTEMPTS else ContactStatus.DO_NOT_CALL
        await svc.repository.plan(contact.id, ContactPlan(status, contact.attempts, reason=detail),
                                  disposition=f"blocked:{reason.value if reason else ''}")
        if callback_id is not None:
            await svc.repository.finish_callback(callback_id, "cancelled", svc.clock())
        self.progress()

    async def _finish(self, contact: Contact, attempt_id: int, result: AttemptResult, *,
                      answered_at: float | None = None, call: Call | None = None, agent: str | None = None,
                      disposition: Disposition | None = None, callback_at: float | None = None,
                      callback_id: int | None = None) -> None:
        svc, spec = self.service, self.spec
        now = svc.clock()
        if result is not AttemptResult.CONNECTED:
            self.counts[result.value] += 1
        plan = after_attempt(spec, contact, result, now, disposition, callback_at)
        code = disposition.code if disposition is not None else None
        await svc.repository.finish_attempt(attempt_id, result, ended_at=now, answered_at=answered_at,
                                            call_id=call.id if call is not None else None, agent=agent,
                                            disposition=code)
        await svc.repository.plan(contact.id, plan, disposition=code or result.value)
        if plan.status is ContactStatus.CALLBACK and plan.next_attempt_at is not None:
            await svc.repository.add_callback(self.id, contact, plan.next_attempt_at, agent=agent)
        if disposition is not None and disposition.do_not_call:
            await svc.opt_out(spec, contact)
        if callback_id is not None:
            await svc.repository.finish_callback(callback_id, "done" if result is AttemptResult.CONNECTED
                                                 else "failed", now)
        await svc.record_history(spec, self.id, contact, result, started_at=now if answered_at is None else answered_at,
                                 ended_at=now, call=call, agent=agent, outcome=code or result.value)
        self.progress()

    def progress(self) -> None:
        c = self.counts
        now = self.service.clock()
        self.service.publish(CampaignProgress(
            campaign=self.spec.name, status="running", dialed=c["dialed"], answered=c["answered"],
            connected=c["connected"], abandoned=c["abandoned"], no_answer=c["no_answer"], busy=c["busy"],
            failed=c["failed"] + c["rejected"], blocked=c["blocked"], remaining=self.service.remaining(self.id),
            abandon_rate_30d=self.pacer.ledger.rate(now), at=now))

