"""AMI wire format, with no I/O: bytes in, messages out; actions in, bytes out.

Asterisk sends a banner line (``Asterisk Call Manager/11.0.0``), then messages: ``Key: value`` lines
ending in CRLF, one blank line after each message.  A message may be split over several TCP segments and
one segment may carry several messages (see ``../shared/asterisk/ami-session.txt``).  Some messages carry
lines after their last header that do not start a new message (``Items: 0`` after ``StatusComplete``):
they are simply more headers of the same message because the blank line has not come yet.

Whether an action's answer is a list is read from the answer itself (``EventList: start``), never guessed
from the message text: that guess is why panoramisk 1.4 hangs on ``PlayDTMF``/``QueueAdd``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

BANNER_PREFIX = "Asterisk Call Manager/"
MAX_MESSAGE_BYTES = 1 << 20   # a message bigger than this is a broken peer, not a big event


class AmiProtocolError(ValueError):
    """The peer sent something that is not AMI."""


class AmiMessage:
    """One AMI message: its headers in order (keys may repeat, e.g. ``Output:`` or ``Variable:``).

    Look-ups are case-insensitive; with repeated keys the first wins (``get_all`` has them all).
    """

    __slots__ = ("headers", "_index")

    def __init__(self, headers: tuple[tuple[str, str], ...], index: dict[str, str] | None = None) -> None:
        self.headers = headers
        if index is None:
            index = {}
            for key, value in headers:
                index.setdefault(key.lower(), value)
        self._index = index

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> AmiMessage:
        return cls(tuple(pairs))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AmiMessage) and self.headers == other.headers

    def __hash__(self) -> int:
        return hash(self.headers)

    def __repr__(self) -> str:
        return f"AmiMessage({self.headers!r})"

    def get(self, key: str, default: str = "") -> str:
        return self._index.get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return self._index[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [value for k, value in self.headers if k.lower() == wanted]

    @property
    def event(self) -> str:
        return self._index.get("event", "")

    @property
    def response(self) -> str:
        return self._index.get("response", "")

    @property
    def action_id(self) -> str:
        return self._index.get("actionid", "")

    @property
    def is_event(self) -> bool:
        return "event" in self._index

    @property
    def is_response(self) -> bool:
        return "response" in self._index and "event" not in self._index

    @property
    def starts_list(self) -> bool:
        return self._index.get("eventlist", "").lower() == "start"

    @property
    def ends_list(self) -> bool:
        return self._index.get("eventlist", "").lower() == "complete"

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in self.headers}


def parse_block(text: str) -> AmiMessage:
    """One message's text (CRLF-separated lines, no blank line)."""
    headers = []
    append = headers.append
    for line in text.split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            key, sep, value = line.partition(":")
            if not sep:
                # a line without a key (old "Response: Follows" command output): keep it as Output
                key, value = "Output", line
        append((key, value))
    index = {key.lower(): value for key, value in reversed(headers)}   # the first of repeated keys wins
    return AmiMessage(tuple(headers), index)


class AmiParser:
    """Feed it bytes as they come; it returns every message they complete."""

    def __init__(self, expect_banner: bool = True) -> None:
        self.banner: str | None = None
        self._expect_banner = expect_banner
        self._buffer = b""

    def feed(self, data: bytes) -> list[AmiMessage]:
        buffer = self._buffer + data if self._buffer else data
        start = 0
        if self._expect_banner and self.banner is None:
            end = buffer.find(b"\n")
            if end < 0:
                self._keep(buffer)
                return []
            line = buffer[:end].rstrip(b"\r").decode("utf-8", "replace")
            if not line.startswith(BANNER_PREFIX):
                raise AmiProtocolError(f"not an Asterisk manager banner: {line[:80]!r}")
            self.banner = line
            start = end + 1
        out: list[AmiMessage] = []
        find = buffer.find
        while True:
            while buffer.startswith(b"\r\n", start):     # stray blank lines between messages
                start += 2
            end = find(b"\r\n\r\n", start)
            if end < 0:
                break
            out.append(parse_block(buffer[start:end].decode("utf-8", "replace")))
            start = end + 4
        self._keep(buffer[start:])
        return out

    def _keep(self, rest: bytes) -> None:
        if len(rest) > MAX_MESSAGE_BYTES:
            raise AmiProtocolError(f"message longer than {MAX_MESSAGE_BYTES} bytes")
        self._buffer = rest

    @property
    def version(self) -> str:
        return self.banner[len(BANNER_PREFIX):].strip() if self.banner else ""


def _clean(text: str) -> str:
    if "\r" in text or "\n" in text:
        raise ValueError(f"AMI header values cannot hold line breaks: {text!r}")
    return text


def serialize_action(action: str, action_id: str,
                     fields: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] = ()) -> bytes:
    """``Action: X``, ``ActionID: id``, the fields (a list value repeats its key), then a blank line."""
    lines = [f"Action: {_clean(action)}", f"ActionID: {_clean(action_id)}"]
    for key, value in _pairs(fields):
        lines.append(f"{_clean(key)}: {_clean(value)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def serialize_message(headers: Iterable[tuple[str, str]]) -> bytes:
    """Any message (used by the fake Asterisk to speak responses and events)."""
    return ("".join(f"{key}: {value}\r\n" for key, value in headers) + "\r\n").encode("utf-8")


def _pairs(fields: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    items = fields.items() if isinstance(fields, Mapping) else fields
    for key, value in items:
        if isinstance(value, str):
            yield key, value
        else:
            for one in value:
                yield key, one


@dataclass(slots=True)
class ActionReply:
    """What an action got back: the response and, for list actions, the events of the list."""

    response: AmiMessage
    events: list[AmiMessage] = field(default_factory=list)
    complete: AmiMessage | None = None

    @property
    def ok(self) -> bool:
        return self.response.response.lower() in ("success", "goodbye", "follows")

    @property
    def message(self) -> str:
        return self.response.get("Message")


class ReplyCollector:
    """Matches responses and list events to pending actions by ActionID.  Pure bookkeeping."""

    def __init__(self) -> None:
        self._open: dict[str, ActionReply | None] = {}

    def expect(self, action_id: str) -> None:
        self._open[action_id] = None

    def forget(self, action_id: str) -> None:
        self._open.pop(action_id, None)

    def pending(self) -> list[str]:
        return list(self._open)

    def offer(self, message: AmiMessage) -> tuple[str, ActionReply] | None | bool:
        """Returns ``(action_id, reply)`` when an action is answered in full, True when the message was
        part of an unfinished reply, None when it belongs to no pending action (an ordinary event)."""
        action_id = message.action_id
        if not action_id or action_id not in self._open:
            return None
        reply = self._open[action_id]
        if reply is None:
            if not message.is_response:
                # OriginateResponse and friends carry the ActionID but are events: not the answer
                return None
            reply = ActionReply(message)
            if message.starts_list:
                self._open[action_id] = reply
                return True
            del self._open[action_id]
            return action_id, reply
        if message.ends_list:
            reply.complete = message
            del self._open[action_id]
            return action_id, reply
        reply.events.append(message)
        return True
