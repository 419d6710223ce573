"""The AMI supervisor against the fake Asterisk over loopback TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from caruso.drivers.asterisk.ami_link import AmiLink, LinkOptions, backoff_delay
from caruso.drivers.asterisk.ami_protocol import AmiMessage, AmiParser
from caruso.drivers.asterisk.errors import AmiActionFailed, AmiLinkLost, AmiNotConnected, AmiTimeout
from tests.asterisk.fake.ami import FakeAmi, event


class Harness:
    def __init__(self, fake: FakeAmi, secret: str = "caruso") -> None:
        self.fake = fake
        self.events: list[AmiMessage] = []
        self.downs: list[str] = []
        self.readies = 0
        self.link = AmiLink(LinkOptions(port=fake.port, secret=secret, backoff_initial=0.02, backoff_max=0.1,
                                        action_timeout=5.0),
                            on_event=self.events.append, on_ready=self._ready, on_down=self.downs.append)

    async def _ready(self, link: AmiLink) -> None:
        await link.send("CoreShowChannels", idempotent=True)
        self.readies += 1

    async def until(self, predicate, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.01)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    server = FakeAmi(login_fail_delay=0.05)
    await server.start()
    yield server
    await server.stop()


async def _running(h: Harness) -> asyncio.Task[None]:
    task = asyncio.create_task(h.link.run())
    await h.until(lambda: h.link.state == "up")
    return task


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_login_resync_and_events_in_wire_order(fake: FakeAmi) -> None:
    h = Harness(fake)
    task = await _running(h)
    assert h.readies == 1 and h.link.version == "11.0.0"
    fake.send_burst([event("DTMFEnd", Uniqueid="c1", Digit=d) for d in "123456789"])
    await h.until(lambda: sum(e.event == "DTMFEnd" for e in h.events) == 9)
    assert [e.get("Digit") for e in h.events if e.event == "DTMFEnd"] == list("123456789")
    reply = await h.link.send("Ping")
    assert reply.response.get("Ping") == "Pong"
    with pytest.raises(AmiActionFailed, match="No such channel"):
        await h.link.send("Hangup", {"Channel": "Local/nonexistent-00000000;1"})
    with pytest.raises(AmiActionFailed, match="Invalid/unknown command"):
        await h.link.send("NoSuchAction")
    await _stop(task)
    assert h.link.state == "stopped"


async def test_failed_login_is_reported_and_retried(fake: FakeAmi) -> None:
    h = Harness(fake, secret="wrong")
    task = asyncio.create_task(h.link.run())
    await h.until(lambda: h.link.login_failures >= 2)          # retried
    assert "refused: Authentication failed" in h.link.reason
    assert h.link.state in ("login_failed", "connecting", "logging_in") and not h.link.is_up
    fake.secret = "wrong"            # the admin fixes the secret on the Asterisk side
    await h.until(lambda: h.link.state == "up")
    await _stop(task)


async def test_drop_fails_pending_and_replays_only_idempotent(fake: FakeAmi) -> None:
    h = Harness(fake)
    task = await _running(h)
    fake.silent_actions = {"originate", "pjsipshowendpoints"}
    originate = asyncio.create_task(h.link.send("Originate", {"Channel": "PJSIP/6001"}))
    listing = asyncio.create_task(h.link.send("PJSIPShowEndpoints", idempotent=True))
    await h.until(lambda: sum(a.get("Action") == "PJSIPShowEndpoints" for a in fake.actions) == 1)
    fake.silent_actions = set()
    await fake.drop()
    with pytest.raises(AmiLinkLost):
        await originate
    reply = await listing
    assert [e.get("ObjectName") for e in reply.events] == ["6001", "6002"]
    await h.until(lambda: h.link.state == "up")
    assert h.downs and h.readies == 2
    assert sum(a.get("Action") == "Originate" for a in fake.actions) == 1       # never replayed
    assert sum(a.get("Action") == "PJSIPShowEndpoints" for a in fake.actions) == 2
    await _stop(task)


async def test_down_link_refuses_or_waits_and_every_action_times_out(fake: FakeAmi) -> None:
    h = Harness(fake)
    task = await _running(h)
    fake.silent_actions = {"status"}
    with pytest.raises(AmiTimeout):
        await h.link.send("Status", timeout=0.1)
    await fake.go_down()
    await h.until(lambda: h.link.state in ("down", "connecting"))
    with pytest.raises(AmiNotConnected):
        await h.link.send("Originate", {"Channel": "PJSIP/6001"})
    waiting = asyncio.create_task(h.link.send("Ping", idempotent=True))
    await fake.come_back()
    assert (await waiting).ok
    await h.until(lambda: h.link.state == "up")
    await _stop(task)


def test_backoff_is_capped_and_jittered() -> None:
    assert backoff_delay(0, 0.5, 30, rng=lambda: 1.0) == 0.5
    assert backoff_delay(3, 0.5, 30, rng=lambda: 1.0) == 4.0
    assert backoff_delay(50, 0.5, 30, rng=lambda: 1.0) == 30.0
    assert backoff_delay(50, 0.5, 30, rng=lambda: 0.0) == 15.0


async def test_playdtmf_and_queueadd_do_not_hang(fake: FakeAmi) -> None:
    """panoramisk 1.4 waits forever for these unless sent with as_list=False; the captured answers are
    single responses, and the link reads that from the answer itself."""
    h = Harness(fake)
    task = await _running(h)
    dtmf = await h.link.send("PlayDTMF", {"Channel": "Local/s@from-caruso-00000000;1", "Digit": "4",
                                          "Duration": "200"}, timeout=2)
    assert dtmf.message == "DTMF successfully queued" and not dtmf.events
    added = await h.link.send("QueueAdd", {"Queue": "support", "Interface": "Local/agent3@caruso-agents/n"},
                              timeout=2)
    assert added.message == "Added interface to queue"
    await _stop(task)


async def test_the_pump_stops_when_cancelled_as_data_arrives() -> None:
    """Stopping the link while Asterisk is sending must end the read loop: a cancellation that comes in the same
    turn of the event loop as the data is not dropped (asyncio.wait_for on 3.11 dropped it, and the server's stop
    hung on the pump)."""
    link = AmiLink(LinkOptions(), on_event=lambda message: None)
    reader = asyncio.StreamReader()
    pump = asyncio.create_task(link._pump(reader, AmiParser()))
    await asyncio.sleep(0)                # the pump is waiting for data
    reader.feed_data(b"Asterisk Call Manager/5.0.1\r\n")
    pump.cancel()                         # in the same turn: the read completes as the cancellation lands
    done, _ = await asyncio.wait([pump], timeout=5.0)
    assert pump in done, "the AMI pump kept reading after it was cancelled"
    assert pump.cancelled()
