"""The pure IPC protocol between Caruso and its pjsua2 media workers.  No I/O.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON (an object).
Three kinds of message, told apart by ``t``:

- request  ``{"t": "req", "id": 7, "op": "answer", "args": {...}}``   (Caruso -> worker)
- reply    ``{"t": "rep", "id": 7, "ok": true, "result": ...}`` or ``{"t": "rep", "id": 7, "ok": false,
  "error": "..."}``                                                    (worker -> Caruso)
- event    ``{"t": "evt", "name": "dtmf", "call": "w1-3", "data": {...}}``   (worker -> Caruso)

``Decoder`` is fed bytes as they come (``feed``) and yields complete messages (``messages``), like h11's
``receive_data``/``next_event``: half a frame stays buffered, a bad frame raises ``ProtocolError``.
"""

from __future__ import annotations

import itertools
import json
import struct
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from caruso.errors import CarusoError

MAX_FRAME = 1 << 20
_HEADER = struct.Struct(">I")


class ProtocolError(CarusoError):
    """A frame that is not a valid message (the link is then closed)."""


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    ok: bool
    result: Any = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    call: str = ""
    data: dict[str, Any] = field(default_factory=dict)


Message = Request | Reply | Event


def encode(message: Message) -> bytes:
    if isinstance(message, Request):
        obj: dict[str, Any] = {"t": "req", "id": message.id, "op": message.op, "args": message.args}
    elif isinstance(message, Reply):
        obj = {"t": "rep", "id": message.id, "ok": message.ok}
        if message.ok:
            obj["result"] = message.result
        else:
            obj["error"] = message.error
    else:
        obj = {"t": "evt", "name": message.name, "call": message.call, "data": message.data}
    body = json.dumps(obj, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise ProtocolError(f"message of {len(body)} bytes exceeds the {MAX_FRAME}-byte limit")
    return _HEADER.pack(len(body)) + body


def _require(obj: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ProtocolError(f"field {key!r} missing or of the wrong type in {obj!r:.200}")
    return value


def decode_body(body: bytes) -> Message:
    try:
        obj = json.loads(body.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"frame is not UTF-8 JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ProtocolError("frame is not a JSON object")
    kind = obj.get("t")
    if kind == "req":
        return Request(_require(obj, "id", int), _require(obj, "op", str), obj.get("args") or {})
    if kind == "rep":
        ok = _require(obj, "ok", bool)
        return Reply(_require(obj, "id", int), ok, obj.get("result"), "" if ok else str(obj.get("error", "")))
    if kind == "evt":
        data = obj.get("data") or {}
        if not isinstance(data, dict):
            raise ProtocolError("event data is not an object")
        return Event(_require(obj, "name", str), str(obj.get("call", "")), data)
    raise ProtocolError(f"unknown message kind {kind!r}")


class Decoder:
    """Byte stream in, messages out."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._ready: deque[Message] = deque()
        self._max = max_frame

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            if size > self._max:
                raise ProtocolError(f"frame of {size} bytes exceeds the {self._max}-byte limit")
            end = _HEADER.size + size
            if len(self._buffer) < end:
                break
            body = bytes(self._buffer[_HEADER.size:end])
            del self._buffer[:end]
            self._ready.append(decode_body(body))

    def messages(self) -> list[Message]:
        out = list(self._ready)
        self._ready.clear()
        return out

    @property
    def pending_bytes(self) -> int:
        return len(self._buffer)


class RequestIds:
    """Request ids, unique per link."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        return next(self._counter)
