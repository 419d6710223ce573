"""Scenario: an inbound call through the fake Asterisk runs the IVR script, is queued by the ACD, bridged to
an agent's PJSIP phone, ends; the call record is stored.  Real call flow, ACD, script engine, storage
(SQLite) and TTS (espeak-ng); only Asterisk is the fake, speaking the captured protocol."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from caruso import keys
from caruso.acd import AgentState
from caruso.callflow import CallFlowService
from caruso.callflow.events import CallFinished
from caruso.callflow.service import CallFlowSettings
from caruso.config import ScriptSettings, ServerSettings
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.drivers.asterisk.switch import AsteriskSwitch
from caruso.events.bus import EventBus
from caruso.storage.calls_repository import CallsRepository
from caruso.storage.service import StorageManager
from caruso.telephony.events import CallHungUp
from caruso.telephony.interface import DialFailed, HangupCause
from caruso.tts import TtsService
from tests.asterisk.conftest import asterisk_config
from tests.asterisk.fake.asterisk import FakeAsterisk

SCRIPTS = Path(__file__).parent / "scripts"


@dataclass
class Site:
    fake: FakeAsterisk
    switch: AsteriskSwitch
    flows: CallFlowService
    storage: StorageManager
    events: list[Any]

    async def until(self, predicate: Any, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.01)

    def finished(self) -> list[CallFinished]:
        return [e for e in self.events if isinstance(e, CallFinished)]


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed (the TTS renders the IVR's text prompts): apt-get install espeak-ng")
    fake = FakeAsterisk()
    await fake.start()
    base = asterisk_config(fake.ami.port)
    config = replace(base, server=replace(ServerSettings(), data_dir=tmp_path / "var", telephony="asterisk"),
                     scripts=replace(ScriptSettings(), directory=SCRIPTS))
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
    flows = CallFlowService(ctx("ivr", CallFlowSettings(
        numbers={"*": "ivr-asterisk"}, queues={"sales": {"ring_timeout": 10.0, "max_wait": 60.0}},
        agents={"alice": {"phone": "6001", "queues": ["sales"]}}, first_timeout=5)))
    services.register(keys.IVR, flows, depends_on=["telephony", "storage", "events"])
    events: list[Any] = []

    async def collect(event: Any) -> None:
        events.append(event)

    await services.start()
    unsubscribe = services.get(keys.EVENTS).subscribe(collect, name="asterisk-scenario")
    assert switch.agi is not None
    fake.agi_port = switch.agi.port
    try:
        async with asyncio.timeout(10):
            while switch.link is None or switch.link.state != "up":
                await asyncio.sleep(0.01)
        yield Site(fake, switch, flows, storage, events)
    finally:
        unsubscribe()
        await services.stop()
        await fake.stop()


async def test_inbound_ivr_queue_agent_end(site: Site) -> None:
    site.flows.agent_state("alice", AgentState.READY)
    caller = site.fake.incoming(caller="0612345678", arguments=("0800100100",),
                                dial={"PJSIP/6001": ("ANSWER", 0.3)})
    caller.press("1")
    await site.until(lambda: site.finished())
    (finished,) = site.finished()
    assert (finished.outcome, finished.agent, finished.queue) == ("answered", "alice", "sales")
    record = await CallsRepository(site.storage.database).get_call(finished.call_id)
    assert record is not None and record.outcome == "answered" and record.caller_number
    assert record.queued_at and record.answered_at and record.ended_at
    assert [leg.kind for leg in record.legs] == ["caller", "agent"]
    assert any(c.startswith("EXEC Dial PJSIP/6001,") for c in caller.commands)
    assert caller.commands[0] == "ANSWER"
    await site.until(lambda: any(isinstance(e, CallHungUp) and e.call_id == caller.uniqueid for e in site.events))
    await site.until(lambda: caller.closed.is_set())


async def test_caller_hangs_up_mid_prompt_is_recorded_as_such(site: Site) -> None:
    caller = site.fake.incoming(caller="0612345678", prompt_seconds=3600)
    await site.until(lambda: any(c.startswith("STREAM FILE") for c in caller.commands))
    site.fake.caller_hangs_up(caller)
    await site.until(lambda: site.finished())
    (finished,) = site.finished()
    assert finished.hangup_by == "caller"
    record = await CallsRepository(site.storage.database).get_call(finished.call_id)
    assert record is not None and record.hangup_by == "caller" and record.ended_at is not None
    await site.until(lambda: caller.closed.is_set())


async def test_waiting_call_survives_an_ami_drop_and_reaches_the_agent(site: Site) -> None:
    caller = site.fake.incoming(caller="0612345678", dial={"PJSIP/6001": ("ANSWER", 0.2)})
    caller.press("1")
    await site.until(lambda: any(c.startswith("EXEC StartMusicOnHold") for c in caller.commands))
    await site.fake.ami.drop()                      # the AMI link breaks while the caller waits
    await site.until(lambda: site.switch.link.sessions == 2)
    assert site.switch.tracker.calls[caller.uniqueid].attached
    site.flows.agent_state("alice", AgentState.READY)
    await site.until(lambda: site.finished())
    (finished,) = site.finished()
    assert (finished.outcome, finished.agent) == ("answered", "alice")


async def test_outbound_call_to_a_customer_connected_to_the_agent(site: Site) -> None:
    site.fake.outbound_options["PJSIP/0612345678"] = {"dial": {"PJSIP/6001": ("ANSWER", 0.1)}}
    assert await site.flows.outbound.call("0612345678", agent="alice", ring_timeout=10) == "answered"
    site.fake.ami.originate_outcomes["PJSIP/0698765432"] = "busy"
    with pytest.raises(DialFailed) as busy:
        await site.flows.outbound.call("0698765432", agent="alice", ring_timeout=10)
    assert busy.value.cause is HangupCause.BUSY
    await site.until(lambda: len(site.finished()) == 2)
    assert [(f.outcome, f.hangup_by) for f in site.finished()] == [("answered", "agent"), ("busy", "system")]
    originates = [a for a in site.fake.ami.actions if a.get("Action") == "Originate"]
    assert [a.get("Channel") for a in originates] == ["PJSIP/0612345678", "PJSIP/0698765432"]
