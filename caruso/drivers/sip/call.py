"""``SipCall``: the telephony ``Call`` of the embedded driver, carried out by a media worker over IPC."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from caruso.drivers.sip.pool import WorkerGone, WorkerLink
from caruso.drivers.sip.protocol import Event
from caruso.telephony.interface import (
    BridgeResult,
    Call,
    CallDirection,
    CallEnded,
    CallError,
    Collected,
    DialFailed,
    HangupCause,
    Prompt,
    Recording,
)

if TYPE_CHECKING:
    from caruso.drivers.sip.switch import SipSwitch

T = TypeVar("T")
DIGITS = "0123456789*#ABCD"
_HANGUP_CODES = {HangupCause.BUSY: 486, HangupCause.REJECTED: 603, HangupCause.NO_ANSWER: 480}


def cause_of(code: int, answered: bool, local: bool, direction: CallDirection) -> HangupCause:
    """The hang-up cause from the final SIP status, whether the call was answered and who ended it."""
    if answered:
        return HangupCause.NORMAL if local or direction is CallDirection.OUTBOUND else HangupCause.CALLER_HANGUP
    if local:
        return HangupCause.CANCELLED
    if direction is CallDirection.INBOUND:
        return HangupCause.CALLER_HANGUP
    if code in (486, 600):
        return HangupCause.BUSY
    if code in (408, 480, 487):
        return HangupCause.NO_ANSWER
    if code in (403, 603, 488, 606):
        return HangupCause.REJECTED
    return HangupCause.FAILED


class SipCall(Call):
    def __init__(self, switch: SipSwitch, link: WorkerLink, call_id: str, *, caller: str, called: str,
                 direction: CallDirection, variables: dict[str, str] | None = None) -> None:
        self._switch = switch
        self._link = link
        self.id = call_id
        self.caller = caller
        self.called = called
        self.direction = direction
        self.variables = dict(variables or {})
        loop = asyncio.get_running_loop()
        self._ended_fut: asyncio.Future[HangupCause] = loop.create_future()
        self._answered = asyncio.Event()
        self._ringing = asyncio.Event()
        self._digits: list[str] = []
        self._digit_arrived = asyncio.Event()
        self._plays: dict[str, asyncio.Future[str]] = {}
        self._recordings: dict[str, asyncio.Future[tuple[str, float]]] = {}
        self._hangup_requested = False
        self._hold_play: str | None = None
        self._transfer: asyncio.Future[int] | None = None
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        self.end_code = 0

    # worker events ------------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        data = event.data
        if event.name == "dtmf":
            self._digits.append(str(data.get("digit", "")))
            self._digit_arrived.set()
            self._switch.publish_dtmf(self, str(data.get("digit", "")))
        elif event.name == "play_done":
            fut = self._plays.pop(str(data.get("play")), None)
            if fut is not None and not fut.done():
                fut.set_result(str(data.get("reason", "done")))
        elif event.name == "record_done":
            rfut = self._recordings.pop(str(data.get("rec")), None)
            if rfut is not None and not rfut.done():
                rfut.set_result((str(data.get("reason", "stopped")), float(data.get("duration", 0.0))))
        elif event.name == "transfer":
            if self._transfer is not None and not self._transfer.done():
                self._transfer.set_result(int(data.get("code", 0)))
        elif event.name == "state":
            state = data.get("state")
            if state == "ringing":
                self._ringing.set()
            elif state == "answered":
                self.answered_at = time.time()
                self._answered.set()
                self._switch.publish_answered(self)
            elif state == "ended":
                self.end_code = int(data.get("code", 0))
                self.mark_ended(cause_of(self.end_code, bool(data.get("answered")), self._hangup_requested,
                                         self.direction))

    def mark_ended(self, cause: HangupCause) -> None:
        if self._ended_fut.done():
            return
        self.ended_at = time.time()
        self._ended_fut.set_result(cause)
        for fut in [*self._plays.values(), *self._recordings.values()]:
            if not fut.done():
                fut.set_exception(CallEnded(cause))
        self._digit_arrived.set()
        self._switch.forget(self, cause)

    # helpers ------------------------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self._ended_fut.done()

    @property
    def link(self) -> WorkerLink:
        return self._link

    def _check(self) -> None:
        if self._ended_fut.done():
            raise CallEnded(self._ended_fut.result())

    async def _request(self, op: str, **args: Any) -> Any:
        self._check()
        try:
            return await self._link.request(op, call=self.id, **args)
        except WorkerGone:
            self.mark_ended(HangupCause.FAILED)
            raise CallEnded(HangupCause.FAILED, "the media worker died") from None
        except CallError:
            self._check()
            raise

    async def _until(self, aw: Awaitable[T], timeout: float | None = None) -> T:
        """Await *aw*, but raise CallEnded as soon as the call ends."""
        task = asyncio.ensure_future(aw)
        try:
            done, _ = await asyncio.wait({task, self._ended_fut}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            raise
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, CallEnded):
            await task
        self._check()
        raise TimeoutError

    def _take_digit(self, allowed: str) -> str | None:
        for i, digit in enumerate(self._digits):
            if digit in allowed:
                del self._digits[i]
                return digit
        return None

    async def _wait_digit(self, timeout: float) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._digits:
            self._check()
            self._digit_arrived.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):   # (wait_for could drop a cancellation on 3.11: see ami_link)
                    await self._digit_arrived.wait()
        self._check()
        return self._digits.pop(0)

    # the interface ------------------------------------------------------------------------------
    async def answer(self) -> None:
        if self._answered.is_set():
            return
        try:
            await self._request("answer")
        except CallError as exc:
            if "ESESSIONTERMINATED" in str(exc):     # the caller gave up just before the answer
                self.mark_ended(HangupCause.CALLER_HANGUP)
                raise CallEnded(HangupCause.CALLER_HANGUP) from None
            raise
        try:
            await self._until(self._answered.wait(), 10.0)
        except TimeoutError:
            raise CallError(f"call {self.id}: no ACK after answer") from None

    async def _play_one(self, prompt: Prompt, interrupt: str, consume: bool) -> str | None:
        path = await self._switch.prompt_file(prompt)
        if interrupt and any(d in interrupt for d in self._digits):
            return self._take_digit(interrupt) if consume else next(d for d in self._digits if d in interrupt)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[str] = loop.create_future()
        result = await self._request("play", file=str(path))
        self._plays[result["play"]] = fut
        while not fut.done():
            self._digit_arrived.clear()
            waiter = asyncio.ensure_future(self._digit_arrived.wait())
            try:
                await asyncio.wait({fut, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            hit = next((d for d in self._digits if d in interrupt), None) if interrupt else None
            if hit is not None and not fut.done():
                with contextlib.suppress(CallError, CallEnded):
                    await self._request("stop_play", play=result["play"])
                self._plays.pop(result["play"], None)
                return self._take_digit(interrupt) if consume else hit
        fut.result()                     # raises CallEnded if the call ended while playing
        return None

    async def play(self, prompts: Prompt | Sequence[Prompt], *, interrupt_digits: str = "") -> str | None:
        for prompt in [prompts] if isinstance(prompts, Prompt) else prompts:
            digit = await self._play_one(prompt, interrupt_digits, consume=True)
            if digit is not None:
                return digit
        return None

    async def collect(self, prompts: Prompt | Sequence[Prompt] | None = None, *, max_digits: int = 1,
                      terminator: str = "#", first_timeout: float = 5.0, inter_digit_timeout: float = 3.0,
                      total_timeout: float = 30.0) -> Collected:
        loop = asyncio.get_running_loop()
        started = loop.time()
        if prompts is not None:
            for prompt in [prompts] if isinstance(prompts, Prompt) else prompts:
                if await self._play_one(prompt, DIGITS, consume=False) is not None:
                    break
        digits = ""
        while len(digits) < max_digits:
            limit = first_timeout if not digits else inter_digit_timeout
            limit = min(limit, total_timeout - (loop.time() - started))
            digit = await self._wait_digit(max(limit, 0.0))
            if digit is None:
                return Collected(digits, None, timed_out=True)
            if terminator and digit in terminator:
                return Collected(digits, digit)
            digits += digit
        return Collected(digits)

    async def record(self, path: Path, *, max_seconds: float = 120.0, silence_seconds: float = 5.0,
                     beep: bool = True, terminator: str = "#") -> Recording:
        if beep:
            await self._play_one(Prompt(file=self._switch.beep_file()), "", consume=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._digits.clear()
        fut: asyncio.Future[tuple[str, float]] = asyncio.get_running_loop().create_future()
        result = await self._request("record", file=str(path), max_seconds=max_seconds,
                                     silence_seconds=silence_seconds)
        rid = result["rec"]
        self._recordings[rid] = fut
        while not fut.done():
            self._digit_arrived.clear()
            waiter = asyncio.ensure_future(self._digit_arrived.wait())
            try:
                await asyncio.wait({fut, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if not fut.done() and terminator and self._take_digit(terminator) is not None:
                with contextlib.suppress(CallError, CallEnded):
                    await self._request("stop_record", rec=rid, reason="dtmf")
        try:
            reason, length = fut.result()
        except CallEnded:
            reason, length = "hangup", 0.0
        if reason == "stopped":
            reason = "dtmf"
        return Recording(path, length, reason)

    async def bridge(self, target: str, *, ring_timeout: float = 20.0, caller_id: str | None = None,
                     on_ringing: Callable[[], None] | None = None,
                     on_answered: Callable[[], None] | None = None) -> BridgeResult:
        self._check()
        leg = await self._switch.dial_leg(self._link, target, caller_id=caller_id or self.caller,
                                          variables={"parent": self.id})
        try:
            await self._ring(leg, ring_timeout, on_ringing)
        except BaseException:
            await leg.hangup(HangupCause.CANCELLED)
            raise
        if self._hold_play is not None:
            await self.unhold()
        answered_at = time.time()
        try:
            await self._link.request("connect", a=self.id, b=leg.id)
        except (CallError, WorkerGone):
            await leg.hangup()
            self._check()
            raise
        if on_answered is not None:
            on_answered()
        ends = {asyncio.ensure_future(self.wait_ended()), asyncio.ensure_future(leg.wait_ended())}
        try:
            done, pending = await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in ends:
                task.cancel()
        if self.ended:
            await leg.hangup()
            by = "caller" if self._ended_fut.result() is HangupCause.CALLER_HANGUP else "system"
        else:
            by = "callee"
        return BridgeResult(answered_at, time.time(), by)

    async def _ring(self, leg: SipCall, ring_timeout: float, on_ringing: Callable[[], None] | None) -> None:
        if on_ringing is not None:
            ringing = asyncio.ensure_future(leg._ringing.wait())
            ringing.add_done_callback(lambda t: None if t.cancelled() else on_ringing())
        else:
            ringing = None
        try:
            answered = asyncio.ensure_future(leg._answered.wait())
            done, _ = await asyncio.wait({answered, leg._ended_fut, self._ended_fut}, timeout=ring_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            answered.cancel()
        finally:
            if ringing is not None and not ringing.done():
                ringing.cancel()
        self._check()
        if leg.ended:
            raise DialFailed(leg._ended_fut.result(), f"{leg.called}: SIP {leg.end_code}")
        if not done:
            raise DialFailed(HangupCause.NO_ANSWER, f"{leg.called}: no answer in {ring_timeout:g} s")

    async def transfer(self, target: str, *, attended: bool = False) -> None:
        """REFER the caller to *target* (attended: after a consultation call answered by the target, which
        the caller's new call replaces); done when the transfer's final NOTIFY says 2xx, then we hang up."""
        self._transfer = asyncio.get_running_loop().create_future()
        if attended:
            consult = await self._switch.dial_leg(self._link, target, caller_id=self.caller)
            await self._ring(consult, 30.0, None)
            await self._request("transfer", replaces=consult.id)
        else:
            await self._request("transfer", target=self._switch.target_uri(target))
        try:
            code = await self._until(asyncio.shield(self._transfer), 30.0)
        except TimeoutError:
            raise CallError(f"call {self.id}: no answer to the transfer to {target}") from None
        if code >= 300:
            raise CallError(f"call {self.id}: transfer to {target} failed (SIP {code})")
        if not self.ended:
            await self.hangup()

    async def hold(self, music: Path | None = None) -> None:
        if self._hold_play is not None:
            return
        result = await self._request("play", file=str(music or self._switch.music_file()), loop=True)
        self._hold_play = result["play"]

    async def unhold(self) -> None:
        play, self._hold_play = self._hold_play, None
        if play is not None and not self.ended:
            with contextlib.suppress(CallError, CallEnded):
                await self._request("stop_play", play=play)

    async def hangup(self, cause: HangupCause = HangupCause.NORMAL) -> None:
        if self.ended:
            return
        self._hangup_requested = True
        with contextlib.suppress(CallError, WorkerGone):
            await self._link.request("hangup", call=self.id, code=_HANGUP_CODES.get(cause, 0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._ended_fut), 5.0)
        if not self.ended:
            self.mark_ended(cause)

    async def wait_ended(self) -> HangupCause:
        return await asyncio.shield(self._ended_fut)

    async def wait_answered(self, timeout: float) -> None:
        await self._until(self._answered.wait(), timeout)

    async def send_dtmf(self, digits: str) -> None:
        await self._request("send_dtmf", digits=digits)
