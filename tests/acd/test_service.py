"""The async ACD service: decisions carried out through the telephony port (a test double), events on the
bus, timers on time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from caruso import keys
from caruso.acd import AgentState, OverflowKind, OverflowTarget, QueueConfig, Strategy
from caruso.acd import events as ev
from caruso.acd.ports import RingResult
from caruso.acd.service import AcdService
from caruso.config import Config
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.events.bus import EventBus
from tests.acd.helpers import agent
from tests.acd.line import ScriptedLine


class Recorder:
    def __init__(self) -> None:
        self.events: list = []

    async def __call__(self, event: object) -> None:
        self.events.append(event)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


@pytest.fixture
async def acd() -> AsyncIterator[tuple[AcdService, ScriptedLine, EventBus, Recorder]]:
    services = ServiceManager()
    bus = EventBus()
    services.register(keys.EVENTS, bus)
    service = AcdService(ServiceContext("acd", Config(), AcdService.Settings(load_from_storage=False, seed=1),
                                        services))
    line = ScriptedLine()
    service.set_line(line)
    recorder = Recorder()
    async with bus.lifespan():
        bus.subscribe(recorder, ev.ALL, name="test")
        async with service.lifespan():
            yield service, line, bus, recorder


async def test_a_call_rings_the_agent_and_is_answered(acd) -> None:
    service, line, bus, recorder = acd
    service.set_queue(QueueConfig("billing"))
    service.set_agent(agent("alice", "billing"))
    service.agent_state("alice", "ready")
    service.offer("call-1", "billing", caller="+33472000001")
    request = await line.wait_ringing("call-1", "alice")
    assert request.phone == "alice" and request.ring_timeout == 15.0
    line.reply("call-1", "alice", RingResult.ANSWERED)
    async with asyncio.timeout(5):
        while service.core.agents["alice"].state is not AgentState.BUSY:
            await asyncio.sleep(0.01)
    service.call_ended("call-1")
    await bus.drain()
    assert recorder.kinds() == ["acd.agent_state_changed", "acd.call_queued", "acd.agent_state_changed",
                                "acd.call_offered", "acd.agent_state_changed", "acd.call_answered",
                                "acd.call_ended", "acd.agent_state_changed"]
    queued = recorder.events[1]
    assert queued.caller == "+33472000001" and queued.position == 1
    last = recorder.events[-1]
    assert (last.old, last.new) == ("busy", "ready") and last.time_in_previous >= 0


async def test_ring_no_answer_sets_the_agent_missed_and_rings_the_next(acd) -> None:
    service, line, bus, recorder = acd
    service.set_queue(QueueConfig("q", strategy=Strategy.LINEAR))
    service.set_agent(agent("a1", "q"))
    service.set_agent(agent("a2", "q"))
    service.agent_state("a1", "ready")
    service.agent_state("a2", "ready")
    service.offer("c1", "q")
    await line.wait_ringing("c1", "a1")
    line.reply("c1", "a1", RingResult.NO_ANSWER)
    await line.wait_ringing("c1", "a2")
    assert service.core.agents["a1"].state is AgentState.MISSED
    await bus.drain()
    failed = [e for e in recorder.events if e.kind == "acd.call_ring_failed"]
    assert [(e.agent, e.outcome) for e in failed] == [("a1", "no_answer")]
    assert [e.requeued for e in recorder.events if e.kind == "acd.call_queued"] == [False, True]


async def test_the_core_ring_timeout_cancels_the_ring_and_keeps_the_callers_place(acd) -> None:
    service, line, bus, recorder = acd
    service.set_queue(QueueConfig("q", ring_timeout=0.05))
    service.set_agent(agent("a1", "q"))
    service.agent_state("a1", "ready")
    service.offer("c1", "q")
    service.offer("c2", "q")
    await line.wait_ringing("c1", "a1")
    async with asyncio.timeout(5):
        while ("c1", "a1") not in line.cancelled:
            await asyncio.sleep(0.01)
    assert service.core.agents["a1"].state is AgentState.MISSED
    assert service.core.waiting_calls("q") == ["c1", "c2"]


async def test_ring_all_the_first_answer_wins_and_the_others_stop_ringing(acd) -> None:
    service, line, bus, recorder = acd
    service.set_queue(QueueConfig("q", strategy=Strategy.RING_ALL))
    for name in ("a1", "a2", "a3"):
        service.set_agent(agent(name, "q"))
        service.agent_state(name, "ready")
    service.offer("c1", "q")
    for name in ("a1", "a2", "a3"):
        await line.wait_ringing("c1", name)
    line.reply("c1", "a2", RingResult.ANSWERED)
    async with asyncio.timeout(5):
        while len(line.cancelled) < 2:
            await asyncio.sleep(0.01)
    assert sorted(line.cancelled) == [("c1", "a1"), ("c1", "a3")]
    assert service.core.agents["a2"].state is AgentState.BUSY
    assert service.core.agents["a1"].state is AgentState.READY


async def test_callback_rings_the_agent_with_the_customers_number(acd) -> None:
    service, line, bus, recorder = acd
    service.set_queue(QueueConfig("q"))
    service.set_agent(agent("a1", "q"))
    service.offer("c1", "q")
    service.request_callback("c1", "+33611223344")
    service.agent_state("a1", "ready")
    request = await line.wait_ringing("c1", "a1")
    assert request.callback_number == "+33611223344"


async def test_max_wait_sends_the_caller_to_voicemail_through_the_line(acd) -> None:
    service, line, bus, recorder = acd
    service.set_queue(QueueConfig("q", max_wait=0.05, overflow=OverflowTarget(OverflowKind.VOICEMAIL, "q"),
                                  announce_interval=0.02))
    service.set_agent(agent("a1", "q"))
    service.agent_state("a1", "paused", "meeting")
    service.offer("c1", "q")
    async with asyncio.timeout(5):
        while not line.left:
            await asyncio.sleep(0.01)
    assert line.left == [("c1", "q", OverflowTarget(OverflowKind.VOICEMAIL, "q"), "max_wait")]
    assert line.announced and line.announced[0][:2] == ("c1", 1)
    await bus.drain()
    (overflowed,) = [e for e in recorder.events if e.kind == "acd.call_overflowed"]
    assert (overflowed.target_kind, overflowed.reason) == ("voicemail", "max_wait")


async def test_without_a_line_rings_fail_cleanly_and_health_says_so(acd) -> None:
    service, line, bus, recorder = acd
    service.set_line(None)
    assert "no telephony line attached" in service.health().reason
    service.set_queue(QueueConfig("q"))
    service.set_agent(agent("a1", "q"))
    service.agent_state("a1", "ready")
    service.offer("c1", "q")
    async with asyncio.timeout(5):
        while service.core.agents["a1"].state is not AgentState.MISSED:
            await asyncio.sleep(0.01)
    assert service.core.agents["a1"].reason == "failed"
    assert service.monitor_seed()[0] == {"type": "queue", "id": "q", "name": "q", "sl_seconds": 20.0}
