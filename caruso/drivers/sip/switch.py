"""``SipSwitch``: the embedded telephony driver (service ``telephony`` when ``server.telephony = "sip"``).

A pool of pjsua2 media workers (``pool.py``) behind Kamailio (``kamailio.py``), controlled over the IPC.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from caruso.core.component import Health
from caruso.drivers.sip import audio
from caruso.drivers.sip.call import SipCall
from caruso.drivers.sip.kamailio import KamailioFront
from caruso.drivers.sip.pool import PoolSettings, WorkerLink, WorkerPool
from caruso.drivers.sip.protocol import Event
from caruso.keys import EVENTS, TTS
from caruso.telephony.events import CallAnswered, CallHungUp, CallRinging, DtmfReceived
from caruso.telephony.interface import (
    CallDirection,
    CallError,
    DialFailed,
    HangupCause,
    InboundHandler,
    Prompt,
    Switch,
)

log = logging.getLogger(__name__)
_USER_RE = re.compile(r"sips?:([^@;>]+)@")


def uri_user(uri: str) -> str:
    match = _USER_RE.search(uri)
    return match.group(1) if match else uri.strip("<>")


class SipSwitch(Switch):
    name = "sip"

    def __init__(self, ctx: Any) -> None:
        self._config = ctx.config
        self._services = ctx.services
        sip = ctx.config.sip
        self._sip = sip
        self._front: KamailioFront | None = None
        self.pool = WorkerPool(PoolSettings(
            workers=sip.workers, host=sip.host, first_sip_port=sip.worker_port_start,
            first_rtp_port=sip.rtp_port_start, rtp_ports_per_worker=sip.rtp_ports_per_worker,
            calls_per_worker=sip.calls_per_worker, proxy=f"{sip.host}:{sip.port}" if sip.front == "kamailio" else "",
            transports=tuple(sip.transports)), self._on_event, self._on_lost)
        self._handler: InboundHandler | None = None
        self._calls: dict[str, SipCall] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._media_dir = Path(ctx.config.data_dir) / "sip"
        self._bus: Any = None

    # lifecycle ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        self._media_dir.mkdir(parents=True, exist_ok=True)
        self._bus = self._services.find(EVENTS)
        await self.pool.start()
        try:
            if self._sip.front == "kamailio":
                self._front = KamailioFront.prepare(
                    self._media_dir / "kamailio", host=self._sip.host, port=self._sip.port,
                    transports=tuple(self._sip.transports), workers=tuple(link.address for link in self.pool.links),
                    trunk=self._sip.trunk, users=dict(self._sip.accounts))
                await self._front.start()
            yield
        finally:
            await asyncio.gather(*(call.hangup() for call in list(self._calls.values())), return_exceptions=True)
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._front is not None:
                await self._front.stop()
            await self.pool.stop()

    def health(self) -> Health:
        dead = [link.name for link in self.pool.links if not link.alive]
        if self._front is not None and not self._front.running:
            return Health.down("kamailio is not running")
        if len(dead) == len(self.pool.links):
            return Health.down("no media worker is running")
        if dead:
            return Health.degraded(f"media workers down: {', '.join(dead)}")
        return Health.ok(f"{len(self._calls)} call(s), {len(self.pool.links)} worker(s)")

    # accounts of agents' phones -----------------------------------------------------------------
    async def set_credentials(self, username: str, password: str) -> None:
        if self._front is None:
            raise CallError("no front SIP server (sip.front = none): phones cannot register")
        await self._front.set_user(username, password)

    async def registered(self, username: str) -> list[str]:
        """The contacts the registrar holds for *username* (empty: not registered)."""
        if self._front is None:
            return []
        return await self._front.contacts(username)

    async def remove_credentials(self, username: str) -> None:
        if self._front is not None:
            await self._front.remove_user(username)

    # the interface ------------------------------------------------------------------------------
    def set_inbound_handler(self, handler: InboundHandler) -> None:
        self._handler = handler

    def target_uri(self, target: str) -> str:
        if target.startswith(("sip:", "sips:")):
            return target
        if self._front is None:
            raise CallError(f"cannot dial {target!r} without a front SIP server; give a sip: URI")
        return f"sip:{target}@{self._sip.host}:{self._sip.port}"

    async def dial_leg(self, link: WorkerLink, target: str, *, caller_id: str | None = None,
                       variables: dict[str, str] | None = None) -> SipCall:
        uri = self.target_uri(target)
        headers = {"X-Caruso-Caller": caller_id} if caller_id else {}
        link.reserved += 1
        try:
            result = await link.request("dial", uri=uri, headers=headers)
        finally:
            link.reserved -= 1
        call = SipCall(self, link, result["call"], caller=caller_id or "", called=uri,
                       direction=CallDirection.OUTBOUND, variables=variables)
        link.calls.add(call.id)
        self._calls[call.id] = call
        self._publish(CallRinging(call_id=call.id, caller=call.caller, called=uri, direction="outbound"))
        return call

    async def originate(self, target: str, *, caller_id: str | None = None, ring_timeout: float = 30.0,
                        variables: dict[str, str] | None = None) -> SipCall:
        link = self.pool.pick(2)
        call = await self.dial_leg(link, target, caller_id=caller_id, variables=variables)
        try:
            await call.wait_answered(ring_timeout)
        except TimeoutError:
            await call.hangup(HangupCause.CANCELLED)
            raise DialFailed(HangupCause.NO_ANSWER, f"{target}: no answer in {ring_timeout:g} s") from None
        except Exception as exc:
            cause = await call.wait_ended()
            raise DialFailed(cause, f"{target}: SIP {call.end_code}") from exc
        return call

    # media files --------------------------------------------------------------------------------
    async def prompt_file(self, prompt: Prompt) -> Path:
        if prompt.file is not None:
            return prompt.file
        tts = self._services.find(TTS)
        if tts is None:
            raise CallError("a text prompt needs the tts service")
        return await tts.render(prompt.text or "", prompt.language)

    def beep_file(self) -> Path:
        path = self._media_dir / "beep.wav"
        if not path.exists():
            audio.write_tone(path, 1000, 0.25)
        return path

    def music_file(self) -> Path:
        path = self._media_dir / "music-on-hold.wav"
        if not path.exists():
            audio.write_chord(path)
        return path

    # worker events ------------------------------------------------------------------------------
    def _publish(self, event: Any) -> None:
        if self._bus is not None:
            self._bus.publish(event)

    def publish_dtmf(self, call: SipCall, digit: str) -> None:
        self._publish(DtmfReceived(call_id=call.id, digit=digit))

    def publish_answered(self, call: SipCall) -> None:
        self._publish(CallAnswered(call_id=call.id))

    def forget(self, call: SipCall, cause: HangupCause) -> None:
        self._calls.pop(call.id, None)
        call.link.calls.discard(call.id)
        self._publish(CallHungUp(call_id=call.id, cause=cause.value, code=call.end_code))

    def _on_event(self, link: WorkerLink, event: Event) -> None:
        if event.name == "incoming":
            self._incoming(link, event)
            return
        call = self._calls.get(event.call)
        if call is not None:
            call.on_event(event)

    def _incoming(self, link: WorkerLink, event: Event) -> None:
        data = event.data
        headers = data.get("headers", {})
        call = SipCall(self, link, event.call, caller=uri_user(str(data.get("from", ""))),
                       called=uri_user(str(data.get("uri", ""))), direction=CallDirection.INBOUND,
                       variables={"from": str(data.get("from", "")), "to": str(data.get("to", "")),
                                  **{k: str(v) for k, v in headers.items() if k.startswith("x-caruso-")}})
        self._calls[call.id] = call
        self._publish(CallRinging(call_id=call.id, caller=call.caller, called=call.called))
        if self._handler is None:
            log.warning("inbound call %s from %s but no call flow is set: declined", call.id, call.caller)
            self._spawn(call.hangup(HangupCause.REJECTED))
            return
        self._spawn(self._run_flow(call, self._handler))

    async def _run_flow(self, call: SipCall, handler: InboundHandler) -> None:
        try:
            await handler(call)
        except Exception:
            log.exception("call flow failed on call %s", call.id)
        finally:
            if not call.ended:
                await call.hangup()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_lost(self, link: WorkerLink, call_ids: set[str]) -> None:
        for cid in call_ids:
            call = self._calls.get(cid)
            if call is not None:
                call.mark_ended(HangupCause.FAILED)
        if self._front is not None:
            self._spawn(self._front_worker_state(link))

    async def _front_worker_state(self, link: WorkerLink) -> None:
        front = self._front
        if front is None:
            return
        try:
            await front.set_worker_state(link.address, False)
            await link.connected.wait()
            await front.set_worker_state(link.address, True)
        except Exception as exc:
            log.warning("could not update the dispatcher state of %s: %s", link.name, exc)

    @property
    def calls(self) -> dict[str, SipCall]:
        return dict(self._calls)
