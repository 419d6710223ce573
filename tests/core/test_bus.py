"""Event bus: fan-out by type, per-subscriber order, bounded queues with counted overflow, isolation."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import ClassVar

import pytest

from caruso.errors import EventBusError
from caruso.events import Event, EventBus


@dataclass(frozen=True, slots=True, kw_only=True)
class CallArrived(Event):
    kind: ClassVar[str] = "call.arrived"
    call_id: str
    seq: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged(Event):
    kind: ClassVar[str] = "agent.state"
    agent_id: str


async def test_events_reach_matching_subscribers_in_order() -> None:
    bus = EventBus()
    calls: list[int] = []
    everything: list[str] = []

    async def on_call(e: CallArrived) -> None:
        calls.append(e.seq)

    async def on_any(e: Event) -> None:
        everything.append(e.kind)

    bus.subscribe(on_call, [CallArrived])
    bus.subscribe(on_any)
    async with bus.lifespan():
        for i in range(100):
            bus.publish(CallArrived(call_id="c", seq=i))
            if i % 10 == 0:
                bus.publish(AgentStateChanged(agent_id="a"))
        await bus.drain()
    assert calls == list(range(100))
    assert everything.count("agent.state") == 10 and len(everything) == 110


async def test_slow_subscriber_neither_stalls_others_nor_grows_without_bound() -> None:
    bus = EventBus(subscriber_queue=10)
    fast: list[int] = []
    slow: list[int] = []
    gate = asyncio.Event()

    async def on_fast(e: CallArrived) -> None:
        fast.append(e.seq)

    async def on_slow(e: CallArrived) -> None:
        await gate.wait()
        slow.append(e.seq)

    bus.subscribe(on_fast, [CallArrived])
    slow_sub = bus.subscribe(on_slow, [CallArrived], name="slow")
    async with bus.lifespan():
        bus.publish(CallArrived(call_id="c", seq=-1))
        await asyncio.sleep(0)  # the slow one is now blocked on seq -1
        for i in range(1000):
            bus.publish(CallArrived(call_id="c", seq=i))
            await asyncio.sleep(0)
        assert fast == [-1, *range(1000)]          # the fast subscriber kept up
        assert slow_sub.pending == 10               # bounded
        assert slow_sub.dropped == 990 and bus.dropped == 990
        gate.set()
        await bus.drain()
    # drop_oldest keeps the newest ten, in order
    assert slow == [-1, *range(990, 1000)]


async def test_drop_newest_policy_keeps_the_oldest() -> None:
    bus = EventBus()
    got: list[int] = []
    gate = asyncio.Event()

    async def handler(e: CallArrived) -> None:
        await gate.wait()
        got.append(e.seq)

    sub = bus.subscribe(handler, [CallArrived], maxsize=3, overflow="drop_newest")
    async with bus.lifespan():
        for i in range(10):
            bus.publish(CallArrived(call_id="c", seq=i))
        gate.set()
        await bus.drain()
    assert got == [0, 1, 2] and sub.dropped == 7


async def test_failing_subscriber_is_logged_and_does_not_affect_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    good: list[int] = []

    async def bad(e: CallArrived) -> None:
        if e.seq % 2:
            raise ValueError(f"bad {e.seq}")

    async def ok(e: CallArrived) -> None:
        good.append(e.seq)

    bad_sub = bus.subscribe(bad, [CallArrived], name="bad")
    bus.subscribe(ok, [CallArrived])
    with caplog.at_level(logging.ERROR):
        async with bus.lifespan():
            for i in range(6):
                bus.publish(CallArrived(call_id="c", seq=i))
            await bus.drain()
            assert bus.health().state.value == "degraded"
    assert good == list(range(6))
    assert bad_sub.failed == 3 and bad_sub.delivered == 3
    assert "event subscriber 'bad' failed" in caplog.text


async def test_unsubscribe_stops_delivery() -> None:
    bus = EventBus()
    got: list[int] = []

    async def handler(e: CallArrived) -> None:
        got.append(e.seq)

    async with bus.lifespan():
        unsubscribe = bus.subscribe(handler, [CallArrived])
        bus.publish(CallArrived(call_id="c", seq=1))
        await bus.drain()
        unsubscribe()
        bus.publish(CallArrived(call_id="c", seq=2))
        await bus.drain()
    assert got == [1]


def test_subscribe_refuses_sync_handlers_and_non_events() -> None:
    bus = EventBus()
    with pytest.raises(EventBusError, match="async"):
        bus.subscribe(lambda e: None)  # type: ignore[arg-type,return-value]

    async def handler(e: Event) -> None: ...

    with pytest.raises(EventBusError, match="not an Event"):
        bus.subscribe(handler, [dict])  # type: ignore[list-item]


async def test_events_carry_ids_timestamps_and_serialise() -> None:
    a, b = CallArrived(call_id="c1"), CallArrived(call_id="c1")
    assert a.id != b.id and a.at > 0
    data = a.as_dict()
    assert data["kind"] == "call.arrived" and data["call_id"] == "c1"
