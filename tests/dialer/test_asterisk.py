"""Campaigns over the Asterisk driver (against the fake Asterisk speaking the captured protocol): with
answering-machine detection on, a machine is hung up on and retried later, a person reaches the agent;
a live answer that reaches no agent hears the identification message and counts as abandoned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from caruso import keys
from caruso.acd.model import AgentConfig, AgentState, Membership, QueueConfig
from caruso.acd.service import AcdService
from caruso.config import DialerSettings, ServerSettings
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.dialer.retries import ContactPlan, ContactStatus
from caruso.dialer.service import DialerService
from caruso.drivers.asterisk.switch import AsteriskSwitch
from caruso.events.bus import EventBus
from caruso.storage.campaign_repository import NewContact
from caruso.storage.service import StorageManager
from caruso.tts import TtsService
from tests.asterisk.conftest import asterisk_config
from tests.asterisk.fake.asterisk import FakeAsterisk

ALL_DAY = [{"start": "00:00", "end": "23:59", "days": [0, 1, 2, 3, 4, 5, 6]}]


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[FakeAsterisk, DialerService, StorageManager]]:
    fake = FakeAsterisk()
    await fake.start()
    config = replace(asterisk_config(fake.ami.port),
                     server=replace(ServerSettings(), data_dir=tmp_path, telephony="asterisk"),
                     dialer=DialerSettings(dial_format="{digits}", tick_seconds=0.1, disposition_timeout=1.0))
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    services.register(keys.EVENTS, EventBus())

    def ctx(name: str, settings: Any = None) -> ServiceContext:
        return ServiceContext(name, config, settings, services)

    storage = StorageManager(ctx("storage"))
    services.register(keys.STORAGE, storage, depends_on=["events"])
    services.register(keys.TTS, TtsService(ctx("tts")))
    switch = AsteriskSwitch(ctx("telephony"))
    services.register(keys.TELEPHONY, switch, depends_on=["events", "tts"])
    acd = AcdService(ctx("acd", AcdService.Settings(load_from_storage=False, poll_seconds=0)))
    services.register(keys.ACD, acd, depends_on=["events"])
    dialer = DialerService(ctx("dialer"))
    services.register(keys.DIALER, dialer, depends_on=["storage", "telephony", "acd"])
    await services.start()
    assert switch.agi is not None
    fake.agi_port = switch.agi.port
    try:
        async with asyncio.timeout(10):
            while switch.link is None or switch.link.state != "up":
                await asyncio.sleep(0.01)
        acd.set_queue(QueueConfig("sales"))
        acd.set_agent(AgentConfig("alice", phone="6001", queues=(Membership("sales"),), wrap_up=0.5))
        acd.agent_state("alice", AgentState.READY)
        yield fake, dialer, storage
    finally:
        await services.stop()
        await fake.stop()


async def test_machines_are_detected_and_retried_people_reach_the_agent(site: Any) -> None:
    fake, dialer, storage = site
    fake.outbound_options["PJSIP/33142685301"] = {"amd": ("MACHINE", "LONGGREETING-2500-2500")}
    fake.outbound_options["PJSIP/33142685302"] = {"amd": ("HUMAN", "HUMAN-1-1"),
                                                  "dial": {"PJSIP/6001": ("ANSWER", 0.2)}}
    await dialer.create({"name": "amd", "mode": "progressive", "queue": "sales", "detect_machines": True,
                         "calling_windows": ALL_DAY})
    await dialer.add_contacts("amd", [NewContact("+33142685301", priority=2), NewContact("+33142685302", priority=1)])
    await dialer.start("amd")
    async with asyncio.timeout(20):
        while sum((await dialer.status("amd"))["attempts"].values()) < 2 or \
                (await dialer.status("amd"))["contacts"].get("in_progress"):
            await asyncio.sleep(0.1)
    status = await dialer.status("amd")
    await dialer.stop("amd")
    assert status["attempts"] == {"machine": 1, "connected": 1}
    assert status["contacts"] == {"pending": 1, "done": 1}          # the machine's number is tried again later
    assert status["abandonment_30d"]["live_answers"] == 1 and status["abandonment_30d"]["abandoned"] == 0
    originates = [a.get("Channel") for a in fake.ami.actions if a.get("Action") == "Originate"]
    assert originates == ["PJSIP/33142685301", "PJSIP/33142685302"]
    contact = (await dialer.repository.claim_due(1, 4e9, 5))[0]
    assert contact.number == "+33142685301" and contact.attempts == 1


async def test_a_live_answer_that_reaches_no_agent_is_abandoned_with_the_message(site: Any) -> None:
    fake, dialer, storage = site
    # the agent's phone does not pick up the bridged call: the customer reached nobody
    fake.outbound_options["PJSIP/33142685305"] = {"dial": {"PJSIP/6001": ("NOANSWER", 0.0)}}
    await dialer.create({"name": "drop", "mode": "progressive", "queue": "sales", "calling_windows": ALL_DAY,
                         "identification_message": "This was ACME service calling. We will call you again."})
    await dialer.add_contacts("drop", [NewContact("+33142685305")])
    await dialer.start("drop")
    async with asyncio.timeout(20):
        while not (await dialer.status("drop"))["attempts"]:
            await asyncio.sleep(0.1)
    status = await dialer.status("drop")
    await dialer.stop("drop")
    assert status["attempts"] == {"abandoned": 1}
    assert status["abandonment_30d"] == {"live_answers": 1, "abandoned": 1, "rate": 1.0, "cap": 0.03}
    (call,) = fake.calls.values()
    dial = next(i for i, c in enumerate(call.commands) if "Dial" in c)
    assert any("STREAM FILE" in c or "Playback" in c for c in call.commands[dial:]), call.commands
    contact = (await dialer.repository.claim_due(1, 4e9, 5))[0]
    assert contact.agent_required and contact.attempts == 1      # called again only with an agent reserved
    # when it is due again, the agent is reserved before the number is dialed
    await dialer.repository.plan(contact.id, ContactPlan(ContactStatus.PENDING, 1, agent_required=True))
    fake.outbound_options["PJSIP/33142685305"] = {"dial": {"PJSIP/6001": ("ANSWER", 0.2)}}
    acd = dialer._services.get(keys.ACD)
    states: list[AgentState] = []
    real_originate = dialer.switch.originate

    async def originate(target: str, **kw: Any) -> Any:
        states.append(acd.core.agents["alice"].state)
        return await real_originate(target, **kw)

    dialer.switch.originate = originate
    await dialer.start("drop")
    async with asyncio.timeout(20):
        while (await dialer.status("drop"))["attempts"].get("connected") != 1:
            await asyncio.sleep(0.1)
    await dialer.stop("drop")
    assert states == [AgentState.BUSY]


@pytest.mark.slow
async def test_predictive_campaign_through_the_service_keeps_its_rules(site: Any) -> None:
    fake, dialer, storage = site
    acd = dialer._services.get(keys.ACD)
    for n in (2, 3):
        acd.set_agent(AgentConfig(f"agent{n}", phone=f"600{n}", queues=(Membership("sales"),), wrap_up=0.2))
        acd.agent_state(f"agent{n}", AgentState.READY)
    numbers = [f"+3314268{n:04d}" for n in range(150)]
    for i, number in enumerate(numbers):
        if i % 3:    # two in three do not answer
            fake.ami.originate_outcomes[f"PJSIP/{number[1:]}"] = "noanswer" if i % 2 else "busy"
        else:
            fake.outbound_options[f"PJSIP/{number[1:]}"] = {"dial": {f"PJSIP/600{k}": ("ANSWER", 2.0)
                                                                      for k in (1, 2, 3)}}
    await dialer.create({"name": "fast", "mode": "predictive", "queue": "sales", "calling_windows": ALL_DAY,
                         "identification_message": "This was ACME calling; we will call again.",
                         "ring_timeout": 15, "pacing": {"learning_outcomes": 10, "learning_answers": 3}})
    await dialer.add_contacts("fast", [NewContact(n) for n in numbers])
    await dialer.start("fast")
    async with asyncio.timeout(100):
        while (await dialer.status("fast"))["progress"]["dialed"] < 150 or dialer.runners["fast"].lines:
            await asyncio.sleep(0.2)
    decisions = dialer.decisions("fast")
    status = await dialer.status("fast")
    await dialer.stop("fast")
    assert status["attempts"].get("connected", 0) + status["attempts"].get("abandoned", 0) == 50
    assert {d["mode"] for d in decisions} == {"progressive", "predictive"}
    for d in decisions:
        assert d["inputs"]["agents_staffed"] == 3 and d["reason"]
        assert d["inputs"]["ringing_for"] + d["dial"] <= 12 * 3                # lines per agent ceiling
        if d["live_answers"] and d["abandon_rate"] >= 0.03:
            assert d["mode"] == "progressive", d                               # at the cap: progressive
    assert any(d["mode"] == "predictive" and d["dial"] > d["inputs"]["agents_ready"] for d in decisions)
