"""``AsteriskSwitch``: the ``asterisk`` telephony driver (service ``telephony`` when
``server.telephony = "asterisk"``).

Inbound calls arrive over FastAGI (``AGI(agi://caruso:4573/inbound)`` in the dialplan) or AsyncAGI
(``AGI(agi:async)``, driven over AMI) and are handed to the call-flow handler; outbound calls are placed
with AMI ``Originate`` into ``AGI(.../outbound)``.  One AMI
link (``AmiLink``) carries events and actions; after each (re)connect the switch lists channels, bridges
and PJSIP endpoints and reconciles its calls with what Asterisk still has.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from caruso.config import AsteriskSettings
from caruso.core.component import Health
from caruso.drivers.asterisk.ami_link import AmiLink, LinkOptions
from caruso.drivers.asterisk.agi_channel import AgiChannel
from caruso.drivers.asterisk.ami_protocol import AmiMessage
from caruso.drivers.asterisk.asyncagi import AsyncAgiSession, environment_of
from caruso.drivers.asterisk.call import AsteriskCall
from caruso.drivers.asterisk.dialing import dial_string, endpoint_of, originate_cause
from caruso.drivers.asterisk.errors import AmiError, AmiLinkLost
from caruso.drivers.asterisk.events import DeviceStateChanged, SwitchLinkChanged
from caruso.drivers.asterisk.fastagi import AgiServer
from caruso.drivers.asterisk.tracker import PendingOriginate, Tracker
from caruso.keys import EVENTS, TTS
from caruso.telephony.events import CallAnswered, CallHungUp, CallRinging
from caruso.telephony.interface import (
    Call, CallDirection, CallEnded, CallError, DialFailed, HangupCause, InboundHandler, Prompt, Switch,
    TelephonyError,
)

log = logging.getLogger(__name__)
AGI_CONNECT_GRACE = 10.0     # from answer (OriginateResponse) to the AGI connection of an outbound call


class AsteriskSwitch(Switch):
    name = "asterisk"

    def __init__(self, ctx: Any) -> None:
        self.settings: AsteriskSettings = ctx.config.asterisk
        self._services = ctx.services
        self._bus: Any = None
        self._handler: InboundHandler | None = None
        self.tracker = Tracker()
        self.transfer_context = self.settings.transfer_context
        self.agi: AgiServer | None = None
        self.link: AmiLink | None = None
        self._link_task: asyncio.Task[None] | None = None
        self._link_down_at: float | None = None
        self._async_sessions: dict[str, AsyncAgiSession] = {}
        self._flows: set[asyncio.Task[None]] = set()     # AsyncAGI calls' flows (FastAGI's are the server's)

    # ---- lifecycle ---------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        s = self.settings
        self._bus = self._services.find(EVENTS)
        self.agi = AgiServer(header_timeout=s.header_timeout, command_timeout=s.command_timeout)
        self.agi.add_route(s.outbound_route, self._outbound)
        self.agi.fallback = self._inbound           # any other route is an inbound entry point
        await self.agi.start(s.fastagi_host, s.fastagi_port)
        self.link = AmiLink(LinkOptions(host=s.ami_host, port=s.ami_port, username=s.ami_username,
                                        secret=s.ami_secret, connect_timeout=s.connect_timeout,
                                        action_timeout=s.action_timeout, ping_interval=s.ping_interval,
                                        backoff_initial=s.backoff_initial, backoff_max=s.backoff_max),
                            on_event=self._on_event, on_ready=self._resync, on_down=self._on_down)
        self._link_task = asyncio.create_task(self.link.run(), name="asterisk-ami")
        try:
            yield
        finally:
            for task in list(self._flows):          # AsyncAGI calls: their flows end first
                task.cancel()
            if self._flows:
                await asyncio.wait(list(self._flows))
            self._link_task.cancel()
            await asyncio.wait([self._link_task])
            await self.agi.stop()

    def health(self) -> Health:
        link, agi = self.link, self.agi
        if link is None or agi is None:
            return Health.down("not started")
        where = f"AMI {self.settings.ami_host}:{self.settings.ami_port}"
        if link.state == "up":
            return Health.ok(f"{where} up; FastAGI on :{agi.port}; {len(self.tracker.calls)} calls")
        if link.state == "login_failed":
            return Health.down(f"{where}: {link.reason}")
        retry = f"; next try in {max(0.0, link.next_retry_at - time.time()):.0f} s" if link.next_retry_at else ""
        reason = f": {link.reason}" if link.reason else ""
        return Health.degraded(f"{where} {link.state}{reason}{retry} (inbound FastAGI calls still served)")

    # ---- Switch ------------------------------------------------------------------------------------
    def set_inbound_handler(self, handler: InboundHandler) -> None:
        self._handler = handler

    async def originate(self, target: str, *, caller_id: str | None = None, ring_timeout: float = 30.0,
                        variables: dict[str, str] | None = None) -> Call:
        assert self.link is not None and self.agi is not None
        s = self.settings
        channel_id = f"caruso-{uuid.uuid4().hex}"
        pending = PendingOriginate(target, channel_id, f"originate-{channel_id}",
                                   asyncio.get_running_loop().create_future())
        host = s.fastagi_advertise_host or s.fastagi_host
        fields: dict[str, Any] = {
            "Channel": self.dial_string(target), "Application": "AGI",
            "Data": f"agi://{host}:{self.agi.port}/{s.outbound_route}", "Async": "true",
            "Timeout": str(int(ring_timeout * 1000)), "ChannelId": channel_id,
            "Variable": [f"{k}={v}" for k, v in (variables or {}).items()]}
        if caller_id:
            fields["CallerID"] = caller_id
        self.tracker.add_originate(pending)
        self.publish(CallRinging(call_id=channel_id, caller=caller_id or "", called=target, direction="outbound"))
        try:
            try:
                await self.link.send("Originate", fields, action_id=pending.action_id)   # never replayed
            except AmiLinkLost:
                pending.uncertain = True      # it may have been queued: the resync finds out
            except AmiError as exc:
                raise DialFailed(HangupCause.FAILED, f"originate to {target}: {exc}") from exc
            try:
                async with asyncio.timeout(ring_timeout + AGI_CONNECT_GRACE):
                    call: AsteriskCall = await pending.outcome
            except TimeoutError as exc:
                raise DialFailed(HangupCause.NO_ANSWER, f"{target}: no answer within {ring_timeout:g} s") from exc
        except DialFailed as exc:
            # the ringing published above gets its end, so nothing stays "in progress"
            self.publish(CallHungUp(call_id=channel_id, cause=exc.cause.value))
            raise
        finally:
            self.tracker.drop_originate(pending)
        self.publish(CallAnswered(call_id=call.id))
        return call

    # ---- what calls use (CallHost) ---------------------------------------------------------------------
    def dial_string(self, target: str) -> str:
        return dial_string(target, trunk=self.settings.trunk, max_extension_digits=self.settings.max_extension_digits)

    async def prompt_name(self, prompt: Prompt) -> str:
        """What STREAM FILE wants: a sound name or a path without its extension."""
        if prompt.file is not None:
            return str(prompt.file.with_suffix("")) if prompt.file.suffix else str(prompt.file)
        tts = self._services.find(TTS)
        if tts is None:
            raise CallError("a text prompt needs the tts service")
        rendered: Path = await tts.render(prompt.text or "", prompt.language)
        return str(rendered.with_suffix(""))

    async def ami(self, action: str, fields: dict[str, Any], *, idempotent: bool = False) -> Any:
        assert self.link is not None
        try:
            return await self.link.send(action, fields, idempotent=idempotent)
        except AmiError as exc:
            raise CallError(str(exc)) from exc

    def publish(self, event: Any) -> None:
        if self._bus is not None:
            self._bus.publish(event)

    def call_finished(self, call: AsteriskCall) -> None:
        self.tracker.calls.pop(call.id, None)

    def phone_state(self, endpoint: str) -> str:
        """An agent's phone as Asterisk sees it: NOT_INUSE, INUSE, RINGING, UNAVAILABLE ... or UNKNOWN."""
        return self.tracker.phone_state(endpoint)

    # ---- FastAGI routes ------------------------------------------------------------------------------------
    async def _inbound(self, session: AgiChannel) -> None:
        call = self._attach(session, CallDirection.INBOUND)
        self.publish(CallRinging(call_id=call.id, caller=call.caller, called=call.called))
        try:
            if self._handler is None:
                log.warning("inbound call %s from %s: no call flow set; hanging up", call.id, call.caller)
            else:
                await self._handler(call)
        except CallEnded:
            pass
        except TelephonyError as exc:
            log.warning("call %s: flow ended on %s", call.id, exc)
        finally:
            await self._release(call)

    async def _outbound(self, session: AgiChannel) -> None:
        pending = self.tracker.by_channel.get(session.env.uniqueid)
        if pending is None or pending.outcome.done():
            log.warning("outbound AGI for %s: nobody is waiting for it; hanging up", session.env.uniqueid)
            return
        call = self._attach(session, CallDirection.OUTBOUND, called=pending.target)
        pending.outcome.set_result(call)
        try:
            await call.wait_ended()
        finally:
            await self._release(call)

    def _attach(self, session: AgiChannel, direction: CallDirection, called: str = "") -> AsteriskCall:
        call = AsteriskCall(self, session, direction, called=called)
        self.tracker.calls[call.id] = call
        call.attached = self.link is not None and self.link.is_up
        call.start()
        return call

    async def _release(self, call: AsteriskCall) -> None:
        try:
            if not call.ended:
                await call.hangup()
        except TelephonyError as exc:
            log.warning("call %s: hang-up failed: %s", call.id, exc)
            call.finish(HangupCause.FAILED, reason=str(exc))
        finally:
            await call.close()

    # ---- AMI ---------------------------------------------------------------------------------------------
    def _on_event(self, message: AmiMessage) -> None:
        name = message.event
        if name == "OriginateResponse":
            self._originate_response(message)
        elif name == "DeviceStateChange":
            self._device(message.get("Device"), message.get("State"))
        elif name.startswith("AsyncAGI"):
            self._async_agi(message)
        call = self.tracker.call_for(message)
        if call is not None:
            call.enqueue(message)

    def _async_agi(self, message: AmiMessage) -> None:
        uid = message.get("Uniqueid")
        if message.event == "AsyncAGIStart":
            try:
                env = environment_of(message)
            except ValueError as exc:
                log.warning("AsyncAGIStart for %s: bad environment (%s)", uid, exc)
                return
            session = AsyncAgiSession(self.link, env, self.settings.command_timeout)
            self._async_sessions[env.uniqueid] = session
            route = self._outbound if env.uniqueid in self.tracker.by_channel else self._inbound
            task = asyncio.create_task(self._run_async(session, route), name=f"asyncagi-{env.uniqueid}")
            self._flows.add(task)
            task.add_done_callback(self._flows.discard)
        elif (session := self._async_sessions.get(uid)) is not None:
            if message.event == "AsyncAGIExec":
                session.on_exec(message)
            elif message.event == "AsyncAGIEnd":
                session.agi_ended()

    async def _run_async(self, session: AsyncAgiSession, route: Any) -> None:
        try:
            await route(session)
        finally:
            await session.close()
            self._async_sessions.pop(session.env.uniqueid, None)

    def _originate_response(self, message: AmiMessage) -> None:
        pending = self.tracker.originate_for(message)
        if pending is None or pending.outcome.done() or message.response.lower() == "success":
            return                      # success: the call is ours when its AGI session connects
        reason = int(message.get("Reason") or 0)
        pending.outcome.set_exception(DialFailed(originate_cause(reason), f"{pending.target}: Reason {reason}"))

    def _device(self, device: str, state: str) -> None:
        changed = self.tracker.device_changed(device, state)
        if changed is not None:
            self.publish(DeviceStateChanged(device=changed[0], endpoint=endpoint_of(changed[0]), state=changed[1]))

    def _on_down(self, reason: str) -> None:
        self._link_down_at = time.time()
        self.tracker.link_lost()
        for call in self.tracker.calls.values():
            call.attached = False
        self.publish(SwitchLinkChanged(driver=self.name, state="down", reason=reason))

    async def _resync(self, link: AmiLink) -> None:
        channels = await link.send("CoreShowChannels", idempotent=True)
        bridges = await link.send("BridgeList", idempotent=True)
        endpoints = await link.send("PJSIPShowEndpoints", idempotent=True, check=False)
        for row in endpoints.events:
            if row.event == "EndpointList":
                self._device(f"PJSIP/{row.get('ObjectName')}", row.get("DeviceState"))
        plan = self.tracker.reconcile(channels.events, bridges.events)
        for call_id in plan.reattached:
            self.tracker.calls[call_id].attached = True
        for call_id in plan.gone:
            call = self.tracker.calls[call_id]
            session = call.session
            at = session.ended_at or self._link_down_at
            cause = session.end_cause or HangupCause.FAILED
            call.finish(cause, at=at, reason="ended while the AMI link was down")
        for channel_id in plan.originates_lost:
            pending = self.tracker.by_channel[channel_id]
            pending.outcome.set_exception(DialFailed(
                HangupCause.FAILED, f"{pending.target}: AMI link dropped while placing the call; not retried"))
        if plan.gone or plan.originates_lost:
            log.info("AMI resync: %d calls re-attached, %d ended while down, %d originates lost",
                     len(plan.reattached), len(plan.gone), len(plan.originates_lost))
        self._link_down_at = None
        self.publish(SwitchLinkChanged(driver=self.name, state="up"))
