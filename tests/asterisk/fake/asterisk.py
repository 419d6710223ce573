"""The whole fake Asterisk: the AMI server and the FastAGI calls it places into Caruso, sharing one model
of channels, so that a caller hanging up shows on both sides (AGI ``HANGUP`` line, AMI ``Hangup`` event).

Control API: ``incoming(...)`` (a call enters the dialplan and reaches ``AGI(agi://caruso/inbound)``),
``caller_hangs_up(call)``, ``channel_gone_silently(uid)`` (ended while nobody watched), plus the AMI
controls on ``ami`` (``drop``, ``go_down``/``come_back``, ``send_burst``, ``originate_outcomes``).
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote, urlparse

from caruso.drivers.asterisk.ami_protocol import AmiMessage
from tests.asterisk.fake.agi import FakeAgiCall, environment_segments
from tests.asterisk.fake.ami import FakeAmi, FakeChannel


class FakeAsterisk:
    def __init__(self, *, secret: str = "caruso") -> None:
        self.ami = FakeAmi(secret=secret, login_fail_delay=0.05)
        self.calls: dict[str, FakeAgiCall] = {}
        self.async_calls: dict[str, FakeAgiCall] = {}           # channel name -> AsyncAGI responder
        self.outbound_options: dict[str, dict[str, object]] = {}   # Originate Channel -> FakeAgiCall options
        self.agi_host = "127.0.0.1"
        self.agi_port = 0                      # Caruso's FastAGI port, set by the test
        self._tasks: set[asyncio.Task[None]] = set()
        self._serial = 0

    async def start(self) -> None:
        self.ami.on_answer = self._answered
        self.ami.on_playdtmf = self._playdtmf
        self.ami.on_agi = self._agi
        await self.ami.start()

    async def stop(self) -> None:
        for call in [*self.calls.values(), *self.async_calls.values()]:
            call.hang_up()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        await self.ami.stop()

    def incoming(self, *, route: str = "inbound", caller: str = "5551001", **options: object) -> FakeAgiCall:
        self._serial += 1
        uniqueid = f"1795419900.{self._serial}"
        channel = FakeChannel(uniqueid, f"PJSIP/trunk-{self._serial:08x}", caller=caller)
        self.ami.add_channel(channel)
        call = FakeAgiCall(self.agi_host, self.agi_port, uniqueid=uniqueid, route=route, caller=caller,
                           channel=channel.name, **options)  # type: ignore[arg-type]
        self._run(call)
        return call

    def incoming_async(self, *, caller: str = "5551001", **options: object) -> FakeAgiCall:
        """A call reaching ``AGI(agi:async)``: announced by AsyncAGIStart, driven with Action AGI.  The
        FakeAgiCall here only computes the replies (no socket)."""
        self._serial += 1
        uniqueid = f"1795419900.{self._serial}"
        channel = FakeChannel(uniqueid, f"PJSIP/trunk-{self._serial:08x}", caller=caller)
        self.ami.add_channel(channel)
        call = FakeAgiCall(self.agi_host, 0, uniqueid=uniqueid, route="async", caller=caller,
                           channel=channel.name, **options)  # type: ignore[arg-type]
        self.async_calls[channel.name] = call
        env = b"".join(environment_segments(call.arguments, agi_request="async", agi_channel=channel.name,
                                            agi_uniqueid=uniqueid, agi_callerid=caller,
                                            agi_network="no", agi_network_script=""))
        self.ami.emit("AsyncAGIStart", **channel.fields(), Env=quote(env.decode(), safe=""))
        return call

    def caller_hangs_up(self, call: FakeAgiCall, cause: str = "16") -> None:
        call.hang_up()
        if self.async_calls.pop(call.channel, None) is not None:
            channel = self.ami.channels.get(call.uniqueid)
            if channel is not None:
                self.ami.emit("AsyncAGIEnd", **channel.fields())
        self.ami.hangup_channel(call.uniqueid, cause=cause)

    def _agi(self, action: AmiMessage) -> None:
        call = self.async_calls.get(action.get("Channel"))
        if call is None:
            return

        async def answer() -> None:
            call.commands.append(action.get("Command"))
            reply = await call._answer(action.get("Command"))
            channel = self.ami.channels.get(call.uniqueid)
            if channel is None:
                return
            self.ami.emit("AsyncAGIExec", **channel.fields(), CommandID=action.get("CommandID"),
                          Result=quote(reply.decode(), safe=""))
            if call._hangup.is_set():              # HANGUP command, or the caller hung up meanwhile
                self.async_calls.pop(call.channel, None)
                self.ami.emit("AsyncAGIEnd", **channel.fields())
                self.ami.hangup_channel(call.uniqueid)

        task = asyncio.create_task(answer())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def channel_gone_silently(self, uniqueid: str) -> None:
        """The channel disappears and nobody is told (it ended while the AMI link was down and the AGI
        side never got its HANGUP line)."""
        self.ami.channels.pop(uniqueid, None)

    def _run(self, call: FakeAgiCall) -> None:
        self.calls[call.uniqueid] = call
        call.on_dial = self._dial

        async def runner() -> None:
            try:
                await call.run()
            finally:
                self.ami.hangup_channel(call.uniqueid)   # Caruso closed the AGI: the channel ends

        task = asyncio.create_task(runner(), name=f"fake-agi-{call.uniqueid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _answered(self, channel: FakeChannel, action: AmiMessage) -> None:
        url = urlparse(action.get("Data"))
        options = self.outbound_options.get(action.get("Channel"), {})
        call = FakeAgiCall(url.hostname or "127.0.0.1", url.port or 4573, uniqueid=channel.uniqueid,
                           route=url.path.strip("/"), caller=channel.caller, channel=channel.name,
                           **options)  # type: ignore[arg-type]
        self._run(call)

    def _dial(self, call: FakeAgiCall, target: str, status: str) -> None:
        """AMI sees Dial() of an AGI call: DialBegin when it rings, DialEnd with the DIALSTATUS."""
        dest = {"Uniqueid": call.uniqueid, "Channel": call.channel, "DestChannel": f"{target}-00000001",
                "DestUniqueid": f"{call.uniqueid}-dest", "DialString": target}
        if status == "RINGING":
            self.ami.emit("DialBegin", **dest)
        else:
            self.ami.emit("DialEnd", **dest, DialStatus=status)

    def _playdtmf(self, channel: str, digit: str) -> None:
        for call in self.calls.values():
            if call.channel == channel:
                call.press(digit)
