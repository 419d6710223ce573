"""The pure FastAGI parser against the real captures."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caruso.drivers.asterisk.agi_protocol import (
    HANGUP, AgiProtocolError, AgiReply, EnvironmentReader, ReplyReader, format_command, parse_environment,
)
from tests.asterisk.fake.captures import load_capture


def _replies(name: str) -> tuple[dict[str, str], list[AgiReply | str]]:
    stream = load_capture(name).stream("A->S")
    env_end = stream.index(b"\n\n") + 2
    env = parse_environment(stream[:env_end])
    reader = ReplyReader()
    out: list[AgiReply | str] = []
    for line in stream[env_end:].splitlines(keepends=True):
        reply = reader.feed_line(line)
        if reply is not None:
            out.append(reply)
    return env.values, out


def test_environment_block() -> None:
    stream = load_capture("fastagi-call1-playdtmf.txt").stream("A->S")
    env = parse_environment(stream)
    assert env.route == "inbound"
    assert env.uniqueid == "caruso-call1-b"
    assert env.channel == "Local/s@from-caruso-00000000;2"
    assert env.caller == "5551001" and env.caller_name == "Caruso One"
    assert env.called == "s"                       # agi_dnid is "unknown": the extension then
    assert env.values["agi_accountcode"] == ""
    assert env.arguments == []


def test_call1_replies_including_510_and_520_usage() -> None:
    _, replies = _replies("fastagi-call1-playdtmf.txt")
    assert replies[0] == AgiReply(200, "1", "playdtmf", text="result=1 (playdtmf)")
    assert replies[1].endpos == 11234                                          # STREAM FILE
    assert replies[2].result == "42"                                           # GET DATA
    record = replies[6]
    assert (record.result_int, record.data, record.endpos) == (35, "dtmf", 0)  # ended by '#'
    unknown = replies[-4]
    assert unknown.code == 510 and unknown.text == "Invalid or unknown command"
    usage = replies[-3]
    assert usage.code == 520
    assert usage.text.startswith("Invalid command syntax.") and usage.text.endswith("End of proper usage.")
    assert "PLAYBACKSTATUS" in usage.text
    assert replies[-1] == HANGUP


def test_call2_unsolicited_hangup_and_dead_channel() -> None:
    _, replies = _replies("fastagi-call2-scripted.txt")
    codes = [r if r == HANGUP else r.code for r in replies]
    assert codes == [200, 200, 200, 200, 200, 200, HANGUP, 200, 511, HANGUP]
    timeout = replies[4]
    assert (timeout.result, timeout.data, timeout.endpos) == ("0", "timeout", 22080)


def test_format_command_matches_what_was_sent() -> None:
    sent = load_capture("fastagi-call1-playdtmf.txt").stream("S->A")
    assert format_command("STREAM FILE", ["hello-world", ""]) in sent
    assert format_command("SET VARIABLE", ["CARUSO_CHOICE", '"42"'[1:-1]]) == b"SET VARIABLE CARUSO_CHOICE 42\n"
    assert format_command("VERBOSE", ["caruso FastAGI says hi", "1"]) in sent
    with pytest.raises(ValueError):
        format_command("EXEC", ["Playback", "x\nHANGUP"])


def test_garbage_is_refused() -> None:
    reader = EnvironmentReader()
    with pytest.raises(AgiProtocolError):
        reader.feed_line(b"GET / HTTP/1.1\r\n")
    with pytest.raises(AgiProtocolError):
        ReplyReader().feed_line(b"hello\n")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40))
def test_quoting_round_trips_through_the_fake_splitter(argument: str) -> None:
    from tests.asterisk.fake.agi import _split

    line = format_command("SET VARIABLE", ["X", argument]).decode().rstrip("\n")
    assert _split(line[len("SET VARIABLE "):]) == ["X", argument]
