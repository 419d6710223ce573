"""The pure AMI parser against the real capture, byte by byte and segment by segment."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caruso.drivers.asterisk.ami_protocol import (
    AmiMessage, AmiParser, AmiProtocolError, ReplyCollector, serialize_action,
)
from tests.asterisk.fake.captures import load_capture


def _messages(chunks: list[bytes]) -> tuple[AmiParser, list[AmiMessage]]:
    parser = AmiParser()
    out: list[AmiMessage] = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return parser, out


def _expected_count(stream: bytes) -> int:
    return sum(1 for line in stream.split(b"\r\n") if line.startswith((b"Event: ", b"Response: ")))


def test_session_parses_the_same_per_segment_and_per_byte() -> None:
    capture = load_capture("ami-session.txt")
    stream = capture.stream("S->C")
    parser, by_segment = _messages([s.data for s in capture.of("S->C")])
    _, by_byte = _messages([stream[i:i + 1] for i in range(len(stream))])
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert parser.version == "11.0.0"
    assert by_segment == by_byte
    # each of the three OriginateResponse events holds a Response: line too
    assert len(by_segment) == _expected_count(stream) - 3


def test_split_response_and_trailing_header_lines() -> None:
    capture = load_capture("ami-session.txt")
    _, messages = _messages([s.data for s in capture.of("S->C")])
    ping = next(m for m in messages if m.get("Ping") == "Pong")
    assert ping.response == "Success" and ping.action_id.endswith("/1/2")     # three TCP segments
    status_done = next(m for m in messages if m.event == "StatusComplete")
    assert status_done.get("Items") == "0" and status_done.ends_list
    command = next(m for m in messages if m.get("Message") == "Command output follows")
    assert command.get_all("Output")[0].startswith("Asterisk 22.10.1")
    hangup = next(m for m in messages if m.event == "Hangup")
    assert hangup.get("cause") == "16" and hangup["Cause-txt"] == "Normal Clearing"
    assert hangup.get("AccountCode") == ""


def test_every_captured_action_gets_its_whole_reply() -> None:
    """PlayDTMF and QueueAdd complete on their single response (panoramisk 1.4 waits forever there)."""
    capture = load_capture("ami-session.txt")
    actions = _messages_no_banner(capture.stream("C->S"))
    collector = ReplyCollector()
    names = {}
    for action in actions:
        collector.expect(action.action_id)
        names[action.action_id] = action.get("Action")
    _, messages = _messages([s.data for s in capture.of("S->C")])
    replies = {}
    events = []
    for message in messages:
        done = collector.offer(message)
        if isinstance(done, tuple):
            replies[done[0]] = done[1]
        elif done is None:
            events.append(message)
    assert set(replies) == set(names)
    by_name = {names[k]: v for k, v in replies.items()}
    assert by_name["PlayDTMF"].message == "DTMF successfully queued" and not by_name["PlayDTMF"].events
    assert by_name["QueueAdd"].message == "Added interface to queue"
    assert [e.event for e in by_name["QueueSummary"].events] == ["QueueSummary"]
    assert by_name["DBGet"].events[0].get("Val") == "v1"
    assert by_name["Hangup"].message == "No such channel" and not by_name["Hangup"].ok
    assert not by_name["NoSuchAction"].ok
    assert by_name["Logoff"].ok
    # OriginateResponse carries the ActionID but arrives after the answer: it is an event
    assert sum(1 for e in events if e.event == "OriginateResponse") == 3


def _messages_no_banner(stream: bytes) -> list[AmiMessage]:
    return AmiParser(expect_banner=False).feed(stream)


def test_serialize_round_trip_and_refuses_line_breaks() -> None:
    data = serialize_action("Originate", "a-1", {"Channel": "PJSIP/6001", "Variable": ["A=1", "B=2"]})
    assert data == (b"Action: Originate\r\nActionID: a-1\r\nChannel: PJSIP/6001\r\n"
                    b"Variable: A=1\r\nVariable: B=2\r\n\r\n")
    (message,) = _messages_no_banner(data)
    assert message.get_all("variable") == ["A=1", "B=2"]
    with pytest.raises(ValueError):
        serialize_action("Hangup", "a-2", {"Channel": "x\r\nAction: Originate"})


def test_not_asterisk_is_refused() -> None:
    with pytest.raises(AmiProtocolError):
        AmiParser().feed(b"HTTP/1.1 200 OK\r\n")


_SESSION = load_capture("ami-session.txt").stream("S->C")
_WHOLE = _messages([_SESSION])[1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(_SESSION) - 1), max_size=60, unique=True))
def test_any_segmentation_gives_the_same_messages(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(_SESSION)]
    _, messages = _messages([_SESSION[a:b] for a, b in zip(bounds, bounds[1:])])
    assert messages == _WHOLE
