"""FastAGI wire format, with no I/O.

Asterisk opens the connection and sends the ``agi_*`` environment, one ``key: value`` per line, ending in a
blank line.  We then send one command per line; each gets one reply line (``200 result=1 (value)``), except
``520-`` which starts a multi-line usage text ending in ``520 End of proper usage.``.  Once the caller hangs
up Asterisk also sends a bare ``HANGUP`` line, unsolicited, between replies (see
``../shared/asterisk/fastagi-call2-scripted.txt``).  Lines end in LF.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_ENV_BYTES = 16 * 1024     # a real environment block is ~500 bytes
MAX_LINE_BYTES = 64 * 1024


class AgiProtocolError(ValueError):
    """The peer did not speak AGI."""


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    values: dict[str, str]

    @property
    def route(self) -> str:
        """The path after ``agi://host:port/`` (without arguments)."""
        script = self.values.get("agi_network_script", "")
        return script.split("?", 1)[0].strip("/")

    @property
    def uniqueid(self) -> str:
        return self.values.get("agi_uniqueid", "")

    @property
    def channel(self) -> str:
        return self.values.get("agi_channel", "")

    @property
    def caller(self) -> str:
        return _known(self.values.get("agi_callerid", ""))

    @property
    def caller_name(self) -> str:
        return _known(self.values.get("agi_calleridname", ""))

    @property
    def called(self) -> str:
        """The number dialled: the first AGI argument (``AGI(agi://host/inbound,${EXTEN})``), else the
        DNID, else the extension."""
        args = self.arguments
        if args and args[0]:
            return args[0]
        dnid = _known(self.values.get("agi_dnid", ""))
        return dnid or self.values.get("agi_extension", "")

    @property
    def arguments(self) -> list[str]:
        args, n = [], 1
        while f"agi_arg_{n}" in self.values:
            args.append(self.values[f"agi_arg_{n}"])
            n += 1
        return args


def _known(value: str) -> str:
    return "" if value in ("unknown", "<unknown>") else value


class EnvironmentReader:
    """Collects the environment block line by line; ``done`` once the blank line came."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._size = 0
        self.done = False

    def feed_line(self, raw: bytes) -> None:
        self._size += len(raw)
        if self._size > MAX_ENV_BYTES:
            raise AgiProtocolError(f"AGI environment larger than {MAX_ENV_BYTES} bytes")
        line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
        if not line:
            if not self._values:
                raise AgiProtocolError("empty AGI environment")
            self.done = True
            return
        key, sep, value = line.partition(":")
        if not sep or not key.startswith("agi_"):
            raise AgiProtocolError(f"not an AGI environment line: {line[:80]!r}")
        self._values[key.strip()] = value[1:] if value.startswith(" ") else value

    def environment(self) -> AgiEnvironment:
        return AgiEnvironment(dict(self._values))


def parse_environment(block: bytes) -> AgiEnvironment:
    reader = EnvironmentReader()
    for line in block.splitlines(keepends=True):
        reader.feed_line(line)
        if reader.done:
            return reader.environment()
    raise AgiProtocolError("AGI environment block not terminated by a blank line")


@dataclass(frozen=True, slots=True)
class AgiReply:
    code: int
    result: str = ""              # the value after result=
    data: str = ""                # the text in parentheses: "(timeout)", "(dtmf)", "(value)"
    endpos: int | None = None
    text: str = ""                # the message of 5xx replies (all lines of a 520 usage)

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def result_int(self) -> int:
        try:
            return int(self.result)
        except ValueError:
            return 0


HANGUP = "HANGUP"   # the unsolicited line, returned as-is by ReplyReader
_RESULT = re.compile(r"result=(?P<result>\S*)(?:\s+\((?P<data>[^)]*)\))?(?:\s+endpos=(?P<endpos>-?\d+))?")


class ReplyReader:
    """Turns reply lines into AgiReply values (or HANGUP).  ``feed_line`` returns None while a 520 usage
    text is still coming."""

    def __init__(self) -> None:
        self._usage: list[str] | None = None

    def feed_line(self, raw: bytes) -> AgiReply | str | None:
        if len(raw) > MAX_LINE_BYTES:
            raise AgiProtocolError("AGI reply line too long")
        line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
        if self._usage is not None:
            if line.startswith("520 "):
                text = "\n".join([*self._usage, line[4:]])
                self._usage = None
                return AgiReply(520, text=text)
            self._usage.append(line)
            return None
        if line == HANGUP:
            return HANGUP
        if line.startswith("520-"):
            self._usage = [line[4:]]
            return None
        code_text, _, rest = line.partition(" ")
        if len(code_text) != 3 or not code_text.isdigit():
            raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
        code = int(code_text)
        if code != 200:
            return AgiReply(code, text=rest)
        match = _RESULT.match(rest)
        if match is None:
            raise AgiProtocolError(f"AGI 200 reply without result=: {line[:80]!r}")
        endpos = match.group("endpos")
        return AgiReply(200, result=match.group("result"), data=match.group("data") or "",
                        endpos=int(endpos) if endpos is not None else None, text=rest)


def quote(argument: str) -> str:
    """One AGI argument: quoted when it holds spaces or is empty; quotes and backslashes escaped."""
    if "\n" in argument or "\r" in argument:
        raise ValueError(f"AGI arguments cannot hold line breaks: {argument!r}")
    if argument and not any(c in argument for c in ' "\\\t'):
        return argument
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(words: str, arguments: Iterable[str] = ()) -> bytes:
    """``format_command("STREAM FILE", ["hello-world", ""])`` -> ``b'STREAM FILE hello-world ""\\n'``."""
    parts = [words, *(quote(str(a)) for a in arguments)]
    return (" ".join(parts) + "\n").encode("utf-8")


def format_environment(values: Iterable[tuple[str, str]]) -> bytes:
    """The environment block as Asterisk writes it (used by the fake Asterisk)."""
    return ("".join(f"{k}: {v}\n" for k, v in values) + "\n").encode("utf-8")
