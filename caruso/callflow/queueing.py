"""``CallLine``: the call-flow side of the ACD — the ``AgentLine`` port (caruso/acd/ports.py) carried out
on real calls through the telephony interface, plus the waiting of each queued caller.

- ``wait_in_queue``: music on hold, ``acd.offer``; returns how the call left the queue (answered and
  talked, abandoned, overflowed).  A caller hanging up while waiting is ``acd.abandon``.
- ``ring``: dial the agent's phone from the waiting call (``Call.bridge``); returns ANSWERED as soon as the
  agent picks up (the talk goes on in the waiter's task, and ``acd.call_ended`` follows it), or NO_ANSWER /
  REJECTED / FAILED.  The ACD cancelling the ring (another agent answered, ring time-out, caller left)
  hangs the leg up.  Ring-all rings every agent from the same worker; the first to answer is bridged.
- ``leave_queue``: overflow (voicemail, a number, a hang-up message); ``announce``: position and
  estimated wait spoken over the music.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from caruso.acd.model import OverflowTarget
from caruso.acd.ports import RingRequest, RingResult
from caruso.callflow.records import CallRecordBuilder, now
from caruso.telephony.interface import Call, CallEnded, DialFailed, HangupCause, Prompt

log = logging.getLogger(__name__)

_RESULT = {HangupCause.BUSY: RingResult.REJECTED, HangupCause.REJECTED: RingResult.REJECTED,
           HangupCause.NO_ANSWER: RingResult.NO_ANSWER, HangupCause.CANCELLED: RingResult.NO_ANSWER}


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
    talk: asyncio.Task[None] | None = None        # the bridge with the agent who answered
    agent: str = ""
    rings: int = 0
    announcing: asyncio.Task[None] | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


class CallLine:
    def __init__(self, acd: Any, *, switch: Any = None, music: Any = None,
                 announce: Callable[[int, float], Prompt] | None = None,
                 on_ringing: Callable[[str, str], None] | None = None) -> None:
        self.acd = acd
        self.switch = switch
        self.callbacks: set[asyncio.Task[None]] = set()
        self.music = music
        self.announce_prompt = announce or default_announcement
        self.on_ringing = on_ringing
        self.waiters: dict[str, Waiter] = {}

    def _spawn(self, waiter: Waiter, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        waiter.tasks.add(task)
        task.add_done_callback(waiter.tasks.discard)
        return task

    # the flow's side ----------------------------------------------------------------------------
    async def wait_in_queue(self, call: Call, queue: str, record: CallRecordBuilder, *,
                            priority: int = 0) -> QueueResult:
        waiter = Waiter(call, queue, record, asyncio.get_running_loop().create_future())
        self.waiters[call.id] = waiter
        record.queued(queue)
        try:
            with contextlib.suppress(CallEnded):
                await call.hold(self.music)
            self.acd.offer(call.id, queue, priority=priority, caller=call.caller)
            gone = asyncio.ensure_future(call.wait_ended())
            try:
                await asyncio.wait({gone, waiter.done}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                gone.cancel()
            if not waiter.done.done() and waiter.talk is not None:
                await asyncio.wait({waiter.talk})       # answered: the talk ends with the caller
            if not waiter.done.done():
                self.acd.abandon(call.id)               # cancels the rings under way
                waiter.done.set_result(QueueResult("abandoned", waiter.queue, hung_up_by="caller"))
            return waiter.done.result()
        finally:
            self.waiters.pop(call.id, None)
            for task in list(waiter.tasks):
                task.cancel()
            if waiter.tasks:
                await asyncio.gather(*waiter.tasks, return_exceptions=True)
            with contextlib.suppress(CallEnded):
                if not call.ended:
                    await call.unhold()

    # the AgentLine port -------------------------------------------------------------------------
    async def ring(self, request: RingRequest) -> RingResult:
        if request.callback_number and request.call_id not in self.waiters:
            return await self._ring_for_callback(request)
        waiter = self.waiters.get(request.call_id)
        if waiter is None or waiter.call.ended or waiter.talk is not None:
            return RingResult.FAILED
        leg = waiter.record.offered(request.agent_id, request.phone)
        answered = asyncio.get_running_loop().create_future()

        def on_ringing() -> None:
            if self.on_ringing is not None:
                self.on_ringing(request.call_id, request.agent_id)

        def on_answered() -> None:
            if not answered.done():
                answered.set_result(True)

        async def talk() -> None:
            try:
                # the ACD's ring timer decides; the switch's is a safety net just behind it
                result = await waiter.call.bridge(request.phone, ring_timeout=request.ring_timeout + 2.0,
                                                  caller_id=waiter.call.caller, on_ringing=on_ringing,
                                                  on_answered=on_answered)
            except DialFailed as exc:
                waiter.record.leg(leg, ended_at=now(), outcome=exc.cause.value)
                if not answered.done():
                    answered.set_exception(exc)
                return
            except asyncio.CancelledError:
                if answered.done():       # torn down while talking (before answer, ring() records why)
                    waiter.record.leg(leg, ended_at=now(), outcome="answered")
                raise
            except Exception as exc:          # the leg could not be placed (worker full, link down)
                waiter.record.leg(leg, ended_at=now(), outcome="failed")
                if not answered.done():
                    answered.set_exception(exc)
                return
            by = {"caller": "caller", "callee": "agent"}.get(result.hung_up_by, "system")
            waiter.record.leg(leg, ended_at=now(), hangup_by=by, outcome="answered")
            self.acd.call_ended(waiter.call.id)
            if not waiter.done.done():
                waiter.done.set_result(QueueResult("answered", waiter.queue, agent=request.agent_id, hung_up_by=by))

        task = self._spawn(waiter, talk())
        try:
            await asyncio.shield(answered)
        except asyncio.CancelledError:
            # the ACD stopped this ring: a time-out sets the agent missed first (then it was a no-answer)
            if not answered.done():
                task.cancel()
                missed = self._missed(request.agent_id)
                waiter.record.leg(leg, ended_at=now(), outcome="no_answer" if missed else "cancelled")
            raise
        except DialFailed as exc:
            return _RESULT.get(exc.cause, RingResult.FAILED)
        except Exception as exc:
            log.warning("ringing %s for %s failed: %s", request.agent_id, request.call_id, exc)
            return RingResult.FAILED
        if waiter.talk is not None or waiter.call.ended:    # someone else was faster (ring-all)
            task.cancel()
            return RingResult.FAILED
        waiter.talk, waiter.agent = task, request.agent_id
        waiter.record.answered(request.agent_id, leg)
        return RingResult.ANSWERED

    async def _ring_for_callback(self, request: RingRequest) -> RingResult:
        """A callback: ring the agent first; on answer dial the customer from the agent's call."""
        if self.switch is None:
            return RingResult.FAILED
        try:
            agent_call = await self.switch.originate(request.phone, ring_timeout=request.ring_timeout + 2.0)
        except DialFailed as exc:
            return _RESULT.get(exc.cause, RingResult.FAILED)

        async def talk() -> None:
            try:
                await agent_call.bridge(request.callback_number, ring_timeout=30.0)
            except (DialFailed, CallEnded) as exc:
                log.info("callback %s to %s: %s", request.call_id, request.callback_number, exc)
            finally:
                if not agent_call.ended:
                    await agent_call.hangup()
                self.acd.call_ended(request.call_id)

        task = asyncio.get_running_loop().create_task(talk())
        self.callbacks.add(task)
        task.add_done_callback(self.callbacks.discard)
        return RingResult.ANSWERED

    async def stop(self) -> None:
        for task in list(self.callbacks):
            task.cancel()
        if self.callbacks:
            await asyncio.gather(*self.callbacks, return_exceptions=True)

    def _missed(self, agent_id: str) -> bool:
        agent = self.acd.core.agents.get(agent_id)
        return agent is not None and agent.state.value == "missed"

    async def leave_queue(self, call_id: str, queue: str, target: OverflowTarget, reason: str) -> None:
        waiter = self.waiters.get(call_id)
        if waiter is not None and not waiter.done.done():
            waiter.done.set_result(QueueResult("overflow", queue, target=target))

    async def announce(self, call_id: str, position: int, ewt: float) -> None:
        waiter = self.waiters.get(call_id)
        if waiter is None or waiter.talk is not None or waiter.announcing is not None:
            return
        waiter.announcing = self._spawn(waiter, self._announce(waiter, position, ewt))

    async def _announce(self, waiter: Waiter, position: int, ewt: float) -> None:
        try:
            await waiter.call.unhold()
            await waiter.call.play(self.announce_prompt(position, ewt))
            if waiter.talk is None and not waiter.done.done():
                await waiter.call.hold(self.music)
        except CallEnded:
            pass
        finally:
            waiter.announcing = None


def default_announcement(position: int, ewt: float) -> Prompt:
    minutes = max(1, round(ewt / 60))
    wait = f"about {minutes} minute" + ("s" if minutes > 1 else "")
    return Prompt(text=f"You are number {position} in the queue. Your expected waiting time is {wait}.")
