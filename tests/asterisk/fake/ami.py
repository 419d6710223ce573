"""The fake AMI server: speaks what ``ami-session.txt`` / ``ami-failed-login.txt`` show, over real TCP.

Login, Ping, errors and the banner are replayed from the capture (ActionIDs substituted); events are
built from the captured event of the same name with the fields changed.  List replies for the resync
actions (CoreShowChannels, BridgeList, PJSIPShowEndpoints) follow the captured list format of
``Status``/``QueueStatus`` (``EventList: start`` ... ``<X>Complete``).

Control API: ``emit``/``send_burst`` (queue events, several per TCP write), ``drop()`` (abort the TCP
link), ``restart()`` (Asterisk goes away and comes back on the same port), ``originate_outcomes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from caruso.drivers.asterisk.ami_protocol import AmiMessage, AmiParser, serialize_message
from tests.asterisk.fake.captures import load_capture

Headers = list[tuple[str, str]]


def _templates() -> tuple[bytes, dict[str, Headers], dict[str, AmiMessage]]:
    capture = load_capture("ami-session.txt")
    parser = AmiParser()
    events: dict[str, Headers] = {}
    replies: dict[str, AmiMessage] = {}
    messages = [m for s in capture.of("S->C") for m in parser.feed(s.data)]
    actions = {m.action_id: m.get("Action") for m in AmiParser(expect_banner=False).feed(capture.stream("C->S"))}
    for message in messages:
        if message.is_event:
            events.setdefault(message.event, list(message.headers))
        elif message.action_id in actions:
            replies.setdefault(actions[message.action_id], message)
    banner = capture.of("S->C")[0].data
    return banner, events, replies


BANNER, EVENTS, REPLIES = _templates()
FAILED_LOGIN = load_capture("ami-failed-login.txt").of("S->C")[1].data


def event(name: str, **values: str) -> Headers:
    """The captured event *name* with *values* put in (keys use ``_`` for ``-``: ``Cause_txt``)."""
    headers = list(EVENTS.get(name, [("Event", name), ("Privilege", "call,all")]))
    wanted = {k.replace("_", "-").lower(): (k.replace("_", "-"), v) for k, v in values.items()}
    out = []
    for key, value in headers:
        if key.lower() in wanted:
            out.append(wanted.pop(key.lower()))
        else:
            out.append((key, value))
    out.extend(wanted.values())
    return out


def reply(action: str, action_id: str, **values: str) -> bytes:
    """The captured answer to *action*, with this ActionID."""
    template = REPLIES[action]
    headers = [(k, action_id if k == "ActionID" else values.get(k, v)) for k, v in template.headers]
    return serialize_message(headers)


@dataclass
class FakeChannel:
    uniqueid: str
    name: str
    linkedid: str = ""
    state: str = "Up"
    caller: str = ""
    bridge: str = ""

    def fields(self) -> dict[str, str]:
        code = {"Down": "0", "Ring": "4", "Ringing": "5", "Up": "6"}.get(self.state, "6")
        return {"Channel": self.name, "Uniqueid": self.uniqueid, "Linkedid": self.linkedid or self.uniqueid,
                "ChannelState": code, "ChannelStateDesc": self.state, "CallerIDNum": self.caller or "<unknown>"}


@dataclass
class _Client:
    writer: asyncio.StreamWriter
    logged_in: bool = False


@dataclass
class FakeAmi:
    username: str = "caruso"
    secret: str = "caruso"
    login_fail_delay: float = 1.0        # Asterisk answers a bad login after ~1 s, then closes
    host: str = "127.0.0.1"
    port: int = 0
    channels: dict[str, FakeChannel] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=lambda: {"6001": "Not in use", "6002": "Unavailable"})
    # Originate target -> "answer" | "busy" | "noanswer" | "congestion" | "hold" (never answers)
    originate_outcomes: dict[str, str] = field(default_factory=dict)
    on_answer: Callable[[FakeChannel, AmiMessage], None] | None = None
    on_playdtmf: Callable[[str, str], None] | None = None
    on_agi: Callable[[AmiMessage], None] | None = None      # AsyncAGI: Action AGI was queued
    actions: list[AmiMessage] = field(default_factory=list)
    silent_actions: set[str] = field(default_factory=set)    # received, never answered (lower-case names)
    logins: int = 0

    def __post_init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._clients: list[_Client] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._close_server()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def drop(self) -> None:
        """Abort every AMI TCP connection (Asterisk stays up and accepts new ones)."""
        for client in list(self._clients):
            client.writer.transport.abort()
        self._clients.clear()
        await asyncio.sleep(0)

    async def go_down(self, *, announce: bool = True) -> None:
        """Asterisk stops: ``Event: Shutdown`` (as ``core restart`` sends it), connections closed, nothing
        listens on the port."""
        if announce:
            self.send_burst([[("Event", "Shutdown"), ("Privilege", "system,all"), ("Shutdown", "Cleanly"),
                              ("Restart", "True")]])
            await asyncio.sleep(0)
        await self._close_server()

    async def come_back(self, *, forget_channels: bool = True) -> None:
        """Asterisk starts again on the same port (a restart loses every channel)."""
        if forget_channels:
            self.channels.clear()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def restart(self) -> None:
        await self.go_down()
        await self.come_back()

    @property
    def connected(self) -> int:
        return sum(1 for c in self._clients if c.logged_in)

    async def _close_server(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self.drop()

    # ---- control API: events -------------------------------------------------------------------
    def emit(self, name: str, **values: str) -> None:
        self.send_burst([event(name, **values)])

    def send_burst(self, events: list[Headers]) -> None:
        """Several events in one TCP write (Asterisk does this under load)."""
        data = b"".join(serialize_message(e) for e in events)
        for client in self._clients:
            if client.logged_in and not client.writer.is_closing():
                client.writer.write(data)

    def send_raw(self, data: bytes) -> None:
        for client in self._clients:
            if client.logged_in and not client.writer.is_closing():
                client.writer.write(data)

    def add_channel(self, channel: FakeChannel) -> None:
        self.channels[channel.uniqueid] = channel
        self.emit("Newchannel", **channel.fields())

    def hangup_channel(self, uniqueid: str, cause: str = "16", cause_txt: str = "Normal Clearing") -> None:
        channel = self.channels.pop(uniqueid, None)
        if channel is not None:
            self.emit("Hangup", **channel.fields(), Cause=cause, Cause_txt=cause_txt)

    # ---- one client ----------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = _Client(writer)
        self._clients.append(client)
        writer.write(BANNER)
        parser = AmiParser(expect_banner=False)
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for action in parser.feed(data):
                    self.actions.append(action)
                    if not await self._action(client, action):
                        return
        except (ConnectionError, OSError):
            pass
        finally:
            if client in self._clients:
                self._clients.remove(client)
            writer.close()

    async def _action(self, client: _Client, action: AmiMessage) -> bool:
        name, aid, w = action.get("Action"), action.action_id, client.writer
        if name.lower() == "login":
            if action.get("Username") != self.username or action.get("Secret") != self.secret:
                await asyncio.sleep(self.login_fail_delay)
                w.write(FAILED_LOGIN.replace(b"badlogin-1", aid.encode()))
                await w.drain()
                return False
            self.logins += 1
            w.write(reply("Login", aid))
            w.write(serialize_message(EVENTS["FullyBooted"]))
            w.write(serialize_message(EVENTS["SuccessfulAuth"]))
            client.logged_in = True
            return True
        if not client.logged_in:
            w.write(serialize_message([("Response", "Error"), ("ActionID", aid),
                                       ("Message", "Permission denied")]))
            return True
        if name.lower() in self.silent_actions:
            return True
        handler = getattr(self, f"_do_{name.lower()}", None)
        if handler is None:
            w.write(reply("NoSuchAction", aid, Message=f"Invalid/unknown command: {name}. "
                                                         "Use Action: ListCommands to show available commands."))
            w.write(serialize_message(event("RequestBadFormat", RequestType=f"Action: {name}")))
            return True
        return handler(w, action) is not False

    def _do_ping(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        data = reply("Ping", action.action_id)
        head, _, rest = data.partition(b"\r\n")          # captured as three TCP segments
        w.write(head + b"\r\n")
        w.write(rest)

    def _do_logoff(self, w: asyncio.StreamWriter, action: AmiMessage) -> bool:
        w.write(reply("Logoff", action.action_id))
        return False

    def _do_playdtmf(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        w.write(reply("PlayDTMF", action.action_id))
        if self.on_playdtmf is not None:
            self.on_playdtmf(action.get("Channel"), action.get("Digit"))

    def _do_queueadd(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        w.write(reply("QueueAdd", action.action_id))

    def _do_hangup(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        wanted = action.get("Channel")
        match = next((c for c in self.channels.values() if wanted in (c.name, c.uniqueid)), None)
        if match is None:
            w.write(reply("Hangup", action.action_id))                     # captured: No such channel
            return
        w.write(serialize_message([("Response", "Success"), ("ActionID", action.action_id),
                                   ("Message", "Channel Hungup")]))
        self.hangup_channel(match.uniqueid)

    def _do_redirect(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        w.write(serialize_message([("Response", "Success"), ("ActionID", action.action_id),
                                   ("Message", "Redirect successful")]))

    def _do_agi(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        if action.get("Channel") not in {c.name for c in self.channels.values()}:
            w.write(serialize_message([("Response", "Error"), ("ActionID", action.action_id),
                                       ("Message", "Channel does not exist.")]))
            return
        w.write(serialize_message([("Response", "Success"), ("ActionID", action.action_id),
                                   ("Message", "Added AGI command to queue")]))
        if self.on_agi is not None:
            self.on_agi(action)

    def _do_atxfer(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        w.write(serialize_message([("Response", "Success"), ("ActionID", action.action_id),
                                   ("Message", "Atxfer successfully queued")]))

    def _list(self, w: asyncio.StreamWriter, aid: str, message: str, item: str, rows: list[dict[str, str]],
              complete: str) -> None:
        w.write(serialize_message([("Response", "Success"), ("ActionID", aid), ("EventList", "start"),
                                   ("Message", message)]))
        w.write(b"".join(serialize_message([("Event", item), *row.items(), ("ActionID", aid)]) for row in rows))
        w.write(serialize_message([("Event", complete), ("ActionID", aid), ("EventList", "Complete"),
                                   ("ListItems", str(len(rows)))]))

    def _do_coreshowchannels(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        rows = [{**c.fields(), "Application": "AGI", "Duration": "00:00:01", "BridgeId": c.bridge}
                for c in self.channels.values()]
        self._list(w, action.action_id, "Channels will follow", "CoreShowChannel", rows,
                   "CoreShowChannelsComplete")

    def _do_bridgelist(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        bridges = sorted({c.bridge for c in self.channels.values() if c.bridge})
        rows = [{"BridgeUniqueid": b, "BridgeType": "basic", "BridgeTechnology": "simple_bridge",
                 "BridgeNumChannels": str(sum(1 for c in self.channels.values() if c.bridge == b))} for b in bridges]
        self._list(w, action.action_id, "Bridge listing will follow", "BridgeListItem", rows, "BridgeListComplete")

    def _do_pjsipshowendpoints(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        rows = [{"ObjectType": "endpoint", "ObjectName": name, "Transport": "", "Aor": name, "Auths": name,
                 "OutboundAuths": "", "Contacts": "", "DeviceState": state, "ActiveChannels": ""}
                for name, state in self.endpoints.items()]
        self._list(w, action.action_id, "A listing of Endpoints follows, presented as EndpointList events",
                   "EndpointList", rows, "EndpointListComplete")

    def _do_originate(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        w.write(reply("Originate", action.action_id))
        task = asyncio.create_task(self._originate(action))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _originate(self, action: AmiMessage) -> None:
        target = action.get("Channel")
        outcome = self.originate_outcomes.get(target, "answer")
        uniqueid = action.get("ChannelId") or f"fake-{next(self._ids)}"
        await asyncio.sleep(0.01)
        if outcome == "hold":
            return
        if outcome != "answer":
            reason = {"busy": "5", "noanswer": "3", "congestion": "8"}.get(outcome, "0")
            self.emit("OriginateResponse", ActionID=action.action_id, Response="Failure", Channel=target,
                      Reason=reason, Uniqueid="<null>", CallerIDNum="<unknown>", CallerIDName="<unknown>")
            return
        channel = FakeChannel(uniqueid, f"{target}-{next(self._ids):08x}", caller=target.rsplit("/", 1)[-1])
        self.add_channel(channel)
        self.emit("Newstate", **channel.fields())
        self.emit("OriginateResponse", ActionID=action.action_id, Response="Success", Channel=channel.name,
                  Application=action.get("Application"), Data=action.get("Data"), Reason="4", Uniqueid=uniqueid)
        if self.on_answer is not None:
            self.on_answer(channel, action)
