"""``AsteriskCall``: one call, driven over its FastAGI session, watched through AMI events.

AMI events for the call arrive in wire order on one bounded queue, drained by one task per call, so a
DTMF is never handled after the hang-up that followed it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from caruso.drivers.asterisk.ami_protocol import AmiMessage
from caruso.drivers.asterisk.dialing import dial_status_cause, hangup_cause
from caruso.drivers.asterisk.agi_channel import AgiChannel
from caruso.telephony.events import CallAnswered, CallHungUp, DtmfReceived
from caruso.telephony.interface import (
    BridgeResult, Call, CallDirection, CallEnded, CallError, Collected, DialFailed, HangupCause, Prompt, Recording,
)

log = logging.getLogger(__name__)
EVENT_QUEUE = 512
ALL_KEYS = "0123456789*#"
LONGEST_CALL = 12 * 3600.0         # time-out of a Dial() that bridged the call
HANGUP_TIMEOUT = 5.0
SAMPLE_RATE = 8000                 # endpos in RECORD FILE/STREAM FILE replies counts 8 kHz samples


class CallHost(Protocol):
    """What a call needs from its switch."""

    async def prompt_name(self, prompt: Prompt) -> str: ...
    def dial_string(self, target: str) -> str: ...
    async def ami(self, action: str, fields: dict[str, Any], *, idempotent: bool = False) -> Any: ...
    def publish(self, event: Any) -> None: ...
    def call_finished(self, call: AsteriskCall) -> None: ...
    transfer_context: str


class AsteriskCall(Call):
    def __init__(self, host: CallHost, session: AgiChannel, direction: CallDirection, *, caller: str = "",
                 called: str = "") -> None:
        env = session.env
        self.id = env.uniqueid
        self.channel = env.channel
        self.caller = caller or env.caller
        self.called = called or env.called
        self.direction = direction
        self.variables = dict(env.values)
        self.session = session
        self.started_at = time.time()
        self.ended_at: float | None = None
        self.end_cause: HangupCause | None = None
        self.end_code = 0
        self.end_reason = ""
        self.attached = True                # False while the AMI link is down
        self.bridge_id = ""                 # the Asterisk bridge the call is in (BridgeEnter/BridgeLeave)
        self._host = host
        self._done = asyncio.Event()
        self._events: asyncio.Queue[AmiMessage] = asyncio.Queue(EVENT_QUEUE)
        self._on_ringing: Callable[[], None] | None = None
        self._on_answered: Callable[[], None] | None = None
        self._local_cause: HangupCause | None = None    # set when Caruso hangs up or transfers
        self._pump: asyncio.Task[None] | None = None
        session.on_end(self._session_ended)

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._pump = asyncio.create_task(self._drain(), name=f"call-events-{self.id}")

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.wait([self._pump])

    @property
    def ended(self) -> bool:
        return self._done.is_set()

    def finish(self, cause: HangupCause, *, at: float | None = None, code: int = 0, reason: str = "") -> None:
        """The call is over (idempotent): remember when and why, tell the bus, free the flow."""
        if self._done.is_set():
            return
        self.ended_at = at if at is not None else time.time()
        self.end_cause, self.end_code, self.end_reason = cause, code, reason
        self._done.set()
        self.session.mark_gone(cause)
        self._host.publish(CallHungUp(call_id=self.id, cause=cause.value, code=code, at=self.ended_at))
        self._host.call_finished(self)

    def _session_ended(self, session: AgiChannel) -> None:
        cause = self._local_cause or session.end_cause or HangupCause.CALLER_HANGUP
        self.finish(cause, at=session.ended_at)

    # ---- AMI events, in order ----------------------------------------------------------------------
    def enqueue(self, message: AmiMessage) -> None:
        try:
            self._events.put_nowait(message)
        except asyncio.QueueFull:
            dropped = self._events.get_nowait()           # keep the newest: the hang-up matters most
            log.warning("call %s: event queue full, dropped %s", self.id, dropped.event)
            self._events.put_nowait(message)

    async def _drain(self) -> None:
        while True:
            message = await self._events.get()
            try:
                self._apply(message)
            except Exception:
                log.exception("call %s: event %s", self.id, message.event)

    def _apply(self, message: AmiMessage) -> None:
        name = message.event
        mine = message.get("Uniqueid") == self.id
        if name == "Hangup" and mine:
            code = int(message.get("Cause") or 0)
            cause = self._local_cause or hangup_cause(code, caller_side=self.direction is CallDirection.INBOUND)
            self.finish(cause, code=code, reason=message.get("Cause-txt"))
        elif name == "BridgeEnter" and mine:
            self.bridge_id = message.get("BridgeUniqueid")
        elif name == "BridgeLeave" and mine:
            self.bridge_id = ""
        elif name == "DTMFEnd" and mine and message.get("Direction") == "Received":
            self._host.publish(DtmfReceived(call_id=self.id, digit=message.get("Digit")))
        elif name == "DialEnd" and mine and message.get("DialStatus") == "ANSWER" and self._on_answered:
            callback, self._on_answered = self._on_answered, None
            callback()
        elif name in ("DialBegin", "DialState") and mine and self._on_ringing is not None:
            if name == "DialBegin" or message.get("DialStatus") == "RINGING":
                callback, self._on_ringing = self._on_ringing, None
                callback()

    # ---- the interface -------------------------------------------------------------------------------
    async def answer(self) -> None:
        await self.session.command("ANSWER")
        self._host.publish(CallAnswered(call_id=self.id))

    async def play(self, prompts: Prompt | Sequence[Prompt], *, interrupt_digits: str = "") -> str | None:
        for prompt in [prompts] if isinstance(prompts, Prompt) else prompts:
            name = await self._host.prompt_name(prompt)
            reply = await self.session.command("STREAM FILE", name, interrupt_digits, timeout=3600)
            if reply.result == "-1":
                raise CallError(f"cannot play {name!r} on {self.channel}")
            if reply.result_int > 0:
                return chr(reply.result_int)
        return None

    async def collect(self, prompts: Prompt | Sequence[Prompt] | None = None, *, max_digits: int = 1,
                      terminator: str = "#", first_timeout: float = 5.0, inter_digit_timeout: float = 3.0,
                      total_timeout: float = 30.0) -> Collected:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + total_timeout
        digits = ""
        if prompts:
            key = await self.play(prompts, interrupt_digits=ALL_KEYS)
            if key is not None:
                if terminator and key in terminator:
                    return Collected("", terminated_by=key)
                digits = key
        while len(digits) < max_digits:
            wait = min(first_timeout if not digits else inter_digit_timeout, deadline - loop.time())
            if wait <= 0:
                return Collected(digits, timed_out=True)
            reply = await self.session.command("WAIT FOR DIGIT", str(int(wait * 1000)), timeout=wait + 10)
            if reply.result_int <= 0:
                return Collected(digits, timed_out=True)
            key = chr(reply.result_int)
            if terminator and key in terminator:
                return Collected(digits, terminated_by=key)
            digits += key
        return Collected(digits)

    async def record(self, path: Path, *, max_seconds: float = 120.0, silence_seconds: float = 5.0,
                     beep: bool = True, terminator: str = "#") -> Recording:
        path = Path(path)
        base, fmt = str(path.with_suffix("")), (path.suffix.lstrip(".") or "wav")
        args = [base, fmt, terminator, str(int(max_seconds * 1000)), "0"]
        if beep:
            args.append("BEEP")
        if silence_seconds > 0:
            args.append(f"s={int(silence_seconds)}")
        reply = await self.session.command("RECORD FILE", *args, timeout=max_seconds + 30, hangup_ok=True)
        duration = (reply.endpos or 0) / SAMPLE_RATE
        if reply.result == "-1" or reply.data == "hangup":
            ended_by = "hangup"
        elif reply.data == "dtmf":
            ended_by = "dtmf"
        else:
            ended_by = "max_length" if duration >= max_seconds - 0.5 else "silence"
        return Recording(path=path.with_suffix(f".{fmt}"), duration=duration, ended_by=ended_by)

    async def bridge(self, target: str, *, ring_timeout: float = 20.0, caller_id: str | None = None,
                     on_ringing: Callable[[], None] | None = None,
                     on_answered: Callable[[], None] | None = None) -> BridgeResult:
        """``Dial()`` from the call's AGI; ringing and answer are seen in AMI DialBegin/DialEnd events
        (if the AMI link is down, *on_answered* is called when Dial returns instead)."""
        dial = self._host.dial_string(target)
        if caller_id:
            await self.session.command("SET VARIABLE", "CALLERID(num)", caller_id)
        self._on_ringing, self._on_answered = on_ringing, on_answered
        started = time.time()
        caller_left = False
        try:
            await self.session.command("EXEC", "Dial", f"{dial},{int(ring_timeout)},g", timeout=LONGEST_CALL)
        except CallEnded:
            caller_left = True
        try:
            status = await self._variable("DIALSTATUS")
        finally:
            late_ring, self._on_ringing = self._on_ringing, None
            late_answer, self._on_answered = self._on_answered, None
        if late_ring is not None and status in ("ANSWER", "NOANSWER", "CANCEL"):
            late_ring()                   # it did ring; the AMI event was missed (link down)
        ended = time.time()
        if status != "ANSWER":
            if caller_left:
                raise CallEnded(HangupCause.CALLER_HANGUP, "caller hung up while the agent's phone rang")
            raise DialFailed(dial_status_cause(status), f"{dial}: {status or 'no DIALSTATUS'}")
        if late_answer is not None:
            late_answer()
        talk = float(await self._variable("ANSWEREDTIME") or 0)
        return BridgeResult(answered_at=max(started, ended - talk), ended_at=ended,
                            hung_up_by="caller" if caller_left else "callee")

    async def _variable(self, name: str) -> str:
        reply = await self.session.command("GET VARIABLE", name, hangup_ok=True)
        return reply.data if reply.result == "1" else ""

    async def detect_machine(self, *options: str) -> tuple[str, str]:
        """Asterisk's answering-machine detection (``AMD()``, tuned in amd.conf): returns AMDSTATUS
        (HUMAN, MACHINE, NOTSURE, HANGUP) and AMDCAUSE.  Asterisk-only: the dialer checks for it."""
        await self.session.command("EXEC", "AMD", ",".join(options), timeout=30)
        return await self._variable("AMDSTATUS"), await self._variable("AMDCAUSE")

    async def transfer(self, target: str, *, attended: bool = False) -> None:
        if attended:
            await self._host.ami("Atxfer", {"Channel": self.channel, "Exten": target,
                                            "Context": self._host.transfer_context})
            return
        self._local_cause = HangupCause.NORMAL
        await self._host.ami("Redirect", {"Channel": self.channel, "Exten": target,
                                          "Context": self._host.transfer_context, "Priority": "1"})
        self.finish(HangupCause.NORMAL, reason=f"transferred to {target}")

    async def hold(self, music: Path | None = None) -> None:
        """Music on hold from Asterisk (musiconhold.conf): a bare name picks that class; a file path cannot
        be played by MOH, so the default class is used."""
        moh_class = str(music) if music is not None and str(music) == music.name and not music.suffix else ""
        await self.session.command("EXEC", "StartMusicOnHold", moh_class)

    async def unhold(self) -> None:
        await self.session.command("EXEC", "StopMusicOnHold")

    async def hangup(self, cause: HangupCause = HangupCause.NORMAL) -> None:
        if self.ended:
            return
        self._local_cause = cause
        if not self.session.dead:
            try:
                await self.session.command("HANGUP", timeout=HANGUP_TIMEOUT)
            except CallEnded:
                pass
        else:
            await self._host.ami("Hangup", {"Channel": self.channel}, idempotent=True)
        self.finish(cause)

    async def wait_ended(self) -> HangupCause:
        await self._done.wait()
        assert self.end_cause is not None
        return self.end_cause
