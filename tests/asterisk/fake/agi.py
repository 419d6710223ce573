"""The fake FastAGI side of Asterisk: connects to Caruso's FastAGI server like Asterisk does and answers
commands the way ``fastagi-call*.txt`` show (environment in the captured TCP segments, ``200 result=``,
510, the 520 usage text, 511 on a dead channel, the unsolicited ``HANGUP`` line).

It is a simulated caller: ``press("42#")`` queues the caller's keys, ``hang_up()`` hangs up (now, or in
the middle of whatever is playing), ``prompt_seconds`` is how long a prompt plays, ``dial`` says how an
``EXEC Dial`` to a target ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from caruso.drivers.asterisk.agi_protocol import ReplyReader
from tests.asterisk.fake.captures import load_capture

CALL1 = load_capture("fastagi-call1-playdtmf.txt")
CALL2 = load_capture("fastagi-call2-scripted.txt")


def _reply_lines(capture_stream: bytes) -> dict[int, bytes]:
    reader, out, block = ReplyReader(), {}, b""
    env_end = capture_stream.index(b"\n\n") + 2
    for line in capture_stream[env_end:].splitlines(keepends=True):
        block += line
        reply = reader.feed_line(line)
        if reply is None:
            continue
        if not isinstance(reply, str):
            out.setdefault(reply.code, block)
        block = b""
    return out


_REPLIES = {**_reply_lines(CALL2.stream("A->S")), **_reply_lines(CALL1.stream("A->S"))}
INVALID = _REPLIES[510]             # "510 Invalid or unknown command\n"
USAGE = _REPLIES[520]               # the whole multi-line usage text of STREAM FILE
DEAD = _REPLIES[511]                # "511 Command Not Permitted on a dead channel or intercept routine\n"
KNOWN = ("ANSWER", "STREAM FILE", "GET DATA", "WAIT FOR DIGIT", "RECORD FILE", "EXEC", "GET VARIABLE",
         "GET FULL VARIABLE", "SET VARIABLE", "HANGUP", "NOOP", "VERBOSE", "CHANNEL STATUS", "SAY NUMBER")
ALIVE_ON_DEAD = ("GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "NOOP", "VERBOSE", "HANGUP")


def environment_segments(arguments: tuple[str, ...] = (), **values: str) -> list[bytes]:
    """The captured environment block, segment by segment as Asterisk wrote it, with *values* put in and
    the AGI arguments (``agi_arg_1``...) at the end, where Asterisk puts them."""
    env_end = CALL1.stream("A->S").index(b"\n\n") + 2
    out, total = [], 0
    for segment in CALL1.of("A->S"):
        if total >= env_end:
            break
        lines = []
        for line in segment.data.decode().split("\n"):
            key, sep, _ = line.partition(": ")
            lines.append(f"{key}: {values[key]}" if sep and key in values else line)
        out.append("\n".join(lines).encode())
        total += len(segment.data)
    if arguments:
        extra = "".join(f"agi_arg_{n}: {value}\n" for n, value in enumerate(arguments, 1))
        out[-1] = out[-1][:-1] + extra.encode() + b"\n"
    return out


def _split(line: str) -> list[str]:
    """AGI arguments: spaces separate, double quotes group, backslash escapes."""
    args, current, quoted, escape, started = [], [], False, False, False
    for ch in line:
        if escape:
            current.append(ch); escape = False
        elif ch == "\\":
            escape = True
        elif ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if current or started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
    if current or started:
        args.append("".join(current))
    return args


@dataclass
class FakeAgiCall:
    host: str
    port: int
    uniqueid: str
    route: str = "inbound"
    caller: str = "5551001"
    caller_name: str = "Caruso One"
    channel: str = ""
    prompt_seconds: float = 0.0
    record_seconds: float = 0.05        # how long the caller speaks before silence ends a recording
    dial: dict[str, tuple[str, float]] = field(default_factory=dict)    # target -> (DIALSTATUS, talk s)
    variables: dict[str, str] = field(default_factory=dict)
    amd: tuple[str, str] = ("HUMAN", "HUMAN-1-1")       # what AMD() decides on this call
    arguments: tuple[str, ...] = ()                      # AGI(agi://host/route,arg1,...)
    commands: list[str] = field(default_factory=list)
    dead: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    on_dial: Callable[[FakeAgiCall, str, str], None] | None = None   # (call, target, RINGING|DIALSTATUS)

    def __post_init__(self) -> None:
        self._keys: asyncio.Queue[str] = asyncio.Queue()
        self._hangup = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._reader: asyncio.StreamReader | None = None
        self.channel = self.channel or f"PJSIP/trunk-{self.uniqueid}"

    def press(self, keys: str) -> None:
        for key in keys:
            self._keys.put_nowait(key)

    def hang_up(self) -> None:
        """The caller hangs up: whatever plays ends with -1 and the bare HANGUP line follows."""
        if self._hangup.is_set():
            return
        self._hangup.set()
        if self._writer is not None and not self._busy and not self.dead:
            self._die()

    def _die(self) -> None:
        self.dead = True
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(b"HANGUP\n")

    async def run(self) -> None:
        """Connect, send the environment, answer commands until Caruso closes the socket."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._reader, self._writer, self._busy = reader, writer, False
        values = {"agi_network_script": self.route, "agi_request": f"agi://{self.host}:{self.port}/{self.route}",
                  "agi_channel": self.channel, "agi_uniqueid": self.uniqueid, "agi_callerid": self.caller,
                  "agi_calleridname": self.caller_name}
        try:
            for segment in environment_segments(self.arguments, **values):
                writer.write(segment)
                await writer.drain()
            if self._hangup.is_set():
                self._die()
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                line = raw.decode().rstrip("\n")
                self.commands.append(line)
                self._busy = True
                writer.write(await self._answer(line))
                self._busy = False
                if self._hangup.is_set() and not self.dead:
                    self._die()
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            self.closed.set()

    async def _wait(self, seconds: float, digits: str) -> str | None:
        """Play for *seconds*: returns a key pressed (if in *digits*), "" at the end, None on hang-up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            if self._hangup.is_set() or (self._reader is not None and self._reader.at_eof()):
                return None
            if not self._keys.empty() and digits:
                key = self._keys.get_nowait()
                if key in digits:
                    return key
                continue
            left = deadline - loop.time()
            if left <= 0:
                return ""
            await asyncio.sleep(min(left, 0.005))

    async def _answer(self, line: str) -> bytes:
        words = next((k for k in sorted(KNOWN, key=len, reverse=True) if line == k or line.startswith(k + " ")),
                     None)
        if words is None:
            return INVALID
        args = _split(line[len(words):].strip())
        if self.dead and words not in ALIVE_ON_DEAD:
            return DEAD
        if words == "STREAM FILE":
            if not args:
                return USAGE
            key = await self._wait(self.prompt_seconds, args[1] if len(args) > 1 else "")
            if key is None:
                return b"200 result=-1 endpos=4000\n"
            return f"200 result={ord(key) if key else 0} endpos=11234\n".encode()
        if words == "GET DATA":
            timeout = int(args[1]) / 1000 if len(args) > 1 else 2.0
            max_digits = int(args[2]) if len(args) > 2 else 1024
            got = ""
            while len(got) < max_digits:
                key = await self._wait(timeout if got else self.prompt_seconds + timeout, "0123456789*#")
                if key is None:
                    return b"200 result=-1 (hangup)\n" if not got else f"200 result={got}\n".encode()
                if key in ("", "#"):
                    return f"200 result={got}{' (timeout)' if key == '' else ''}\n".encode()
                got += key
            return f"200 result={got}\n".encode()
        if words == "WAIT FOR DIGIT":
            timeout = int(args[0]) / 1000 if args else 1.0
            key = await self._wait(3600.0 if timeout < 0 else timeout, "0123456789*#ABCD")
            return b"200 result=-1\n" if key is None else f"200 result={ord(key) if key else 0}\n".encode()
        if words == "RECORD FILE":
            path, fmt, escape = args[0], args[1], args[2]
            seconds = int(args[3]) / 1000 if len(args) > 3 and int(args[3]) > 0 else 1.0
            key = await self._wait(min(seconds, self.record_seconds), escape)
            target = Path(f"{path}.{fmt}")
            if target.parent.is_dir():
                target.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
            if key is None:
                return b"200 result=-1 (hangup) endpos=16000\n"
            if key:
                return f"200 result={ord(key)} (dtmf) endpos=8000\n".encode()
            return b"200 result=0 (timeout) endpos=22080\n"
        if words == "EXEC":
            return await self._exec(args)
        if words in ("GET VARIABLE", "GET FULL VARIABLE"):
            value = self.variables.get(args[0] if args else "")
            return b"200 result=0\n" if value is None else f"200 result=1 ({value})\n".encode()
        if words == "SET VARIABLE":
            self.variables[args[0]] = args[1] if len(args) > 1 else ""
            return b"200 result=1\n"
        if words == "HANGUP":
            self._hangup.set()          # captured: 200 result=1, then the bare HANGUP line
            return b"200 result=1\n"
        if words == "CHANNEL STATUS":
            return b"200 result=6\n"
        return b"200 result=0\n" if words in ("ANSWER", "NOOP", "SAY NUMBER") else b"200 result=1\n"

    async def _exec(self, args: list[str]) -> bytes:
        app = args[0].lower() if args else ""
        if app == "amd":                    # app_amd sets AMDSTATUS/AMDCAUSE and returns 0
            self.variables["AMDSTATUS"], self.variables["AMDCAUSE"] = self.amd
            return b"200 result=0\n"
        if app != "dial":
            return b"200 result=0\n"
        target = (args[1] if len(args) > 1 else "").split(",")[0]
        status, talk = self.dial.get(target, ("ANSWER", 0.0))
        self.variables["DIALSTATUS"] = status
        if self.on_dial is not None:
            self.on_dial(self, target, "RINGING")
            await asyncio.sleep(0.01)
            self.on_dial(self, target, status)
        if status != "ANSWER":
            return b"200 result=0\n"
        self.variables["ANSWEREDTIME"] = str(int(talk))
        key = await self._wait(talk, "")
        return b"200 result=-1\n" if key is None else b"200 result=0\n"
