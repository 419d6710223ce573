"""``QueueHost``: the call-flow side of the ACD.  It feeds the pure ``AcdCore`` (offer, answered, ring
failed, abandon, ended, timers) and carries out its decisions on real calls:

- ``Reserve``  → ring the agent's phone from the waiting call (``Call.bridge``): on answer the two are
  connected; no answer / rejected / failed → ``ring_failed`` (the agent is set missed, the call keeps
  its place and is offered again);
- ``CancelRing`` → stop ringing; ``Overflow`` → the waiting call leaves for voicemail, a number, a hang-up
  message (another queue: it keeps waiting there); ``Announce`` → position and estimated wait, spoken over
  the music on hold.

This is the "ring this agent for this call and bridge" port the ACD needs.  Ring-all rings the first
agent of the reservation (one leg per call; see docs/sip.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from caruso.acd import (AcdCore, AgentStateChanged, Announce, CallAbandoned, CallAnswered, CallEnded,
                        CallOffer, CallQueued, CallRingFailed, CancelRing, Output, Overflow, Reserve)
from caruso.acd.model import AgentState, OverflowTarget, RingOutcome
from caruso.callflow.events import QueueEvent
from caruso.callflow.records import CallRecordBuilder, now
from caruso.telephony.interface import Call, CallEnded as CallGone, DialFailed, HangupCause, Prompt

log = logging.getLogger(__name__)

_RING_OUTCOME = {HangupCause.BUSY: RingOutcome.REJECTED, HangupCause.REJECTED: RingOutcome.REJECTED,
                 HangupCause.NO_ANSWER: RingOutcome.NO_ANSWER, HangupCause.CANCELLED: RingOutcome.NO_ANSWER}


@dataclass
class QueueResult:
    """How a call left the queue: answered (and talked), abandoned, or overflowed to *target*."""

    outcome: str                                  # answered | abandoned | overflow
    queue: str
    agent: str = ""
    target: OverflowTarget | None = None
    hung_up_by: str = ""


@dataclass
class Waiter:
    call: Call
    queue: str
    record: CallRecordBuilder
    done: asyncio.Future[QueueResult]
    ring: asyncio.Task[None] | None = None
    ringing_agent: str = ""
    answered: bool = False
    announcing: bool = False
    cancel_reason: str = "cancelled"
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


class QueueHost:
    def __init__(self, core: AcdCore, publish: Callable[[Any], None], *, music: Any = None,
                 announce: Callable[[int, float], Prompt] | None = None,
                 on_ringing: Callable[[str, str], None] | None = None) -> None:
        self.core = core
        self.publish = publish
        self.music = music
        self.announce_prompt = announce or default_announcement
        self.on_ringing = on_ringing
        self.waiters: dict[str, Waiter] = {}
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.Task[None] | None = None

    # lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self._timer = asyncio.get_running_loop().create_task(self._timers(), name="acd-timers")

    async def stop(self) -> None:
        tasks = [t for t in (self._timer, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _timers(self) -> None:
        while True:
            deadline = self.core.next_deadline()
            self._wake.clear()
            timeout = None if deadline is None else max(0.0, deadline - time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            if deadline is not None and time.time() >= deadline:
                self.apply(self.core.tick())

    def _spawn(self, coro: Any, owner: Waiter | None = None) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        for bucket in (self._tasks, owner.tasks if owner else None):
            if bucket is not None:
                bucket.add(task)
                task.add_done_callback(bucket.discard)
        return task

    # the flow's side ----------------------------------------------------------------------------
    async def wait_in_queue(self, call: Call, queue: str, record: CallRecordBuilder, *,
                            priority: int = 0) -> QueueResult:
        waiter = Waiter(call, queue, record, asyncio.get_running_loop().create_future())
        self.waiters[call.id] = waiter
        record.queued(queue)
        try:
            with contextlib.suppress(CallGone):
                await call.hold(self.music)
            self.apply(self.core.offer(CallOffer(id=call.id, queue=queue, priority=priority, caller=call.caller)))
            gone = asyncio.ensure_future(call.wait_ended())
            try:
                await asyncio.wait({gone, waiter.done}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                gone.cancel()
            if not waiter.done.done():
                # the caller hung up while waiting (or ringing an agent)
                if waiter.ring is not None:
                    if not waiter.answered:      # an answered bridge ends by itself with the caller
                        waiter.ring.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await waiter.ring
                if not waiter.done.done() and waiter.answered:
                    self.apply(self.core.call_ended(call.id))
                    self._finish(waiter, QueueResult("answered", waiter.queue, agent=waiter.ringing_agent,
                                                     hung_up_by="caller"))
                elif not waiter.done.done():
                    self.apply(self.core.abandon(call.id))
                    self._finish(waiter, QueueResult("abandoned", waiter.queue, hung_up_by="caller"))
            return waiter.done.result()
        finally:
            self.waiters.pop(call.id, None)
            for task in list(waiter.tasks):
                task.cancel()
            with contextlib.suppress(CallGone):
                if not call.ended:
                    await call.unhold()

    def _finish(self, waiter: Waiter, result: QueueResult) -> None:
        if not waiter.done.done():
            waiter.done.set_result(result)

    # decisions ----------------------------------------------------------------------------------
    def apply(self, outputs: list[Output]) -> None:
        for out in outputs:
            try:
                self._apply_one(out)
            except Exception:
                log.exception("ACD output %r failed", out)
        self._wake.set()

    def _apply_one(self, out: Output) -> None:
        if isinstance(out, Reserve):
            waiter = self.waiters.get(out.call)
            if waiter is None:
                self.apply(self.core.ring_failed(out.call, out.agents[0], RingOutcome.FAILED))
                return
            waiter.ringing_agent = out.agents[0]
            waiter.ring = self._spawn(self._ring(waiter, out.agents[0], out.ring_timeout), waiter)
        elif isinstance(out, CancelRing):
            waiter = self.waiters.get(out.call)
            if waiter is not None and waiter.ring is not None and waiter.ringing_agent in out.agents:
                # the core's ring time-out sets the agent missed before cancelling: a no-answer
                agent = self.core.agents.get(waiter.ringing_agent)
                missed = agent is not None and agent.state is AgentState.MISSED
                waiter.cancel_reason = "no_answer" if missed else "cancelled"
                waiter.ring.cancel()
        elif isinstance(out, Overflow):
            waiter = self.waiters.get(out.call)
            if waiter is None:
                return
            if out.target.kind.value == "queue":
                waiter.queue = out.target.target
                waiter.record.queued(out.target.target)
            else:
                self._finish(waiter, QueueResult("overflow", out.queue, target=out.target))
        elif isinstance(out, Announce):
            waiter = self.waiters.get(out.call)
            if waiter is not None and waiter.ring is None and not waiter.announcing:
                self._spawn(self._announce(waiter, out.position, out.ewt), waiter)
        else:
            self._notice(out)

    def _notice(self, out: Output) -> None:
        if isinstance(out, AgentStateChanged):
            self.publish(QueueEvent(notice="agent_state", agent=out.agent, detail=out.new.value, call_id=out.call))
        elif isinstance(out, CallQueued):
            self.publish(QueueEvent(notice="queued", call_id=out.call, queue=out.queue,
                                    detail=f"position {out.position}"))
        elif isinstance(out, CallAnswered):
            self.publish(QueueEvent(notice="answered", call_id=out.call, queue=out.queue, agent=out.agent,
                                    waited=out.waited))
        elif isinstance(out, CallAbandoned):
            self.publish(QueueEvent(notice="abandoned", call_id=out.call, queue=out.queue, waited=out.waited))
        elif isinstance(out, CallRingFailed):
            self.publish(QueueEvent(notice="ring_failed", call_id=out.call, queue=out.queue, agent=out.agent,
                                    detail=out.outcome.value))
        elif isinstance(out, CallEnded):
            self.publish(QueueEvent(notice="ended", call_id=out.call, queue=out.queue, agent=out.agent))

    # carrying out -------------------------------------------------------------------------------
    async def _ring(self, waiter: Waiter, agent_id: str, ring_timeout: float) -> None:
        agent = self.core.agents[agent_id].config
        phone = agent.phone or agent_id
        leg = waiter.record.offered(agent_id, phone)
        answered = False

        def on_ringing() -> None:
            if self.on_ringing is not None:
                self.on_ringing(waiter.call.id, agent_id)

        def on_answered() -> None:
            nonlocal answered
            answered = waiter.answered = True
            waiter.record.answered(agent_id, leg)
            self.apply(self.core.answered(waiter.call.id, agent_id))

        try:
            # the core's own ring timer decides; the switch's is a safety net just behind it
            result = await waiter.call.bridge(phone, ring_timeout=ring_timeout + 2.0, caller_id=waiter.call.caller,
                                              on_ringing=on_ringing, on_answered=on_answered)
        except DialFailed as exc:
            waiter.record.leg(leg, ended_at=now(), outcome=exc.cause.value)
            waiter.ring = None
            self.apply(self.core.ring_failed(waiter.call.id, agent_id, _RING_OUTCOME.get(exc.cause, RingOutcome.FAILED)))
            return
        except asyncio.CancelledError:
            waiter.record.leg(leg, ended_at=now(), outcome=waiter.cancel_reason)
            waiter.cancel_reason = "cancelled"
            waiter.ring = None
            raise
        except CallGone:
            waiter.ring = None
            if not answered:
                waiter.record.leg(leg, ended_at=now(), outcome="cancelled")
            return
        except Exception as exc:      # the switch could not place the leg (worker full, link down)
            log.warning("ringing %s for %s failed: %s", agent_id, waiter.call.id, exc)
            waiter.record.leg(leg, ended_at=now(), outcome="failed")
            waiter.ring = None
            if not answered:
                self.apply(self.core.ring_failed(waiter.call.id, agent_id, RingOutcome.FAILED))
            return
        by = {"caller": "caller", "callee": "agent"}.get(result.hung_up_by, "system")
        waiter.record.leg(leg, ended_at=now(), hangup_by=by, outcome="answered")
        self.apply(self.core.call_ended(waiter.call.id))
        self._finish(waiter, QueueResult("answered", waiter.queue, agent=agent_id, hung_up_by=by))

    async def _announce(self, waiter: Waiter, position: int, ewt: float) -> None:
        waiter.announcing = True
        try:
            await waiter.call.unhold()
            if waiter.ring is None:
                await waiter.call.play(self.announce_prompt(position, ewt))
            if waiter.ring is None and not waiter.done.done():
                await waiter.call.hold(self.music)
        except CallGone:
            pass
        finally:
            waiter.announcing = False


def default_announcement(position: int, ewt: float) -> Prompt:
    minutes = max(1, round(ewt / 60))
    wait = f"about {minutes} minute" + ("s" if minutes > 1 else "")
    return Prompt(text=f"You are number {position} in the queue. Your expected waiting time is {wait}.")


