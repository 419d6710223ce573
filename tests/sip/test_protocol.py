"""The IPC protocol, byte by byte (pure, no I/O)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caruso.drivers.sip.protocol import Decoder, Event, ProtocolError, Reply, Request, encode


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def test_request_encodes_to_a_length_prefixed_json_object() -> None:
    data = encode(Request(7, "answer", {"call": "w1-c1"}))
    assert data == frame(b'{"t":"req","id":7,"op":"answer","args":{"call":"w1-c1"}}')


def test_replies_and_events_round_trip() -> None:
    decoder = Decoder()
    messages = [Reply(1, True, {"play": "w1-p2"}), Reply(2, False, error="no live call"),
                Event("dtmf", "w1-c1", {"digit": "5"})]
    decoder.feed(b"".join(encode(m) for m in messages))
    assert decoder.messages() == messages


def test_a_frame_split_anywhere_is_kept_until_complete() -> None:
    data = encode(Event("state", "w2-c3", {"state": "ended", "code": 486}))
    for cut in range(1, len(data)):
        decoder = Decoder()
        decoder.feed(data[:cut])
        assert decoder.messages() == []
        decoder.feed(data[cut:])
        assert decoder.messages() == [Event("state", "w2-c3", {"state": "ended", "code": 486})]
        assert decoder.pending_bytes == 0


@pytest.mark.parametrize("body, error", [
    (b"not json", "not UTF-8 JSON"),
    (b"\xff\xfe", "not UTF-8 JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"t": "nope"}', "unknown message kind"),
    (b'{"t": "req", "id": "7", "op": "x"}', "'id'"),
    (b'{"t": "req", "id": true, "op": "x"}', "'id'"),
    (b'{"t": "rep", "id": 1}', "'ok'"),
    (b'{"t": "evt", "name": "x", "data": [1]}', "event data"),
])
def test_bad_frames_are_refused(body: bytes, error: str) -> None:
    decoder = Decoder()
    with pytest.raises(ProtocolError, match=error):
        decoder.feed(frame(body))


def test_an_oversized_frame_is_refused_from_its_header() -> None:
    decoder = Decoder(max_frame=100)
    with pytest.raises(ProtocolError, match="exceeds"):
        decoder.feed(struct.pack(">I", 101))


@given(st.lists(st.tuples(st.text(max_size=20), st.dictionaries(st.text(max_size=5), st.integers()), ),
                max_size=8), st.integers(min_value=1, max_value=50))
def test_any_chunking_yields_the_same_messages(items: list, chunk: int) -> None:
    messages = [Event(name, "c", data) for name, data in items]
    data = b"".join(encode(m) for m in messages)
    decoder = Decoder()
    out = []
    for i in range(0, len(data), chunk):
        decoder.feed(data[i:i + chunk])
        out += decoder.messages()
    assert out == messages
