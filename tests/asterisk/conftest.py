"""Fixtures: a fake Asterisk and the real AsteriskSwitch wired in a real ServiceManager with the event bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

import pytest

from caruso import keys
from caruso.config import Config
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.drivers.asterisk.switch import AsteriskSwitch
from caruso.events.base import Event
from caruso.events.bus import EventBus
from tests.asterisk.fake.asterisk import FakeAsterisk


@dataclass
class Rig:
    fake: FakeAsterisk
    switch: AsteriskSwitch
    services: ServiceManager
    events: list[Event] = field(default_factory=list)

    async def until(self, predicate: Callable[[], object], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.01)

    def kinds(self, call_id: str) -> list[str]:
        return [e.kind for e in self.events if getattr(e, "call_id", None) == call_id]


def asterisk_config(ami_port: int, **overrides: object) -> Config:
    settings = replace(Config().asterisk, ami_port=ami_port, ami_secret="caruso", fastagi_port=0,
                       backoff_initial=0.02, backoff_max=0.2, **overrides)
    return replace(Config(), asterisk=settings)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAsterisk]:
    asterisk = FakeAsterisk()
    await asterisk.start()
    yield asterisk
    await asterisk.stop()


@pytest.fixture
async def rig(fake: FakeAsterisk) -> AsyncIterator[Rig]:
    config = asterisk_config(fake.ami.port)
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    bus = EventBus()
    services.register(keys.EVENTS, bus)
    switch = AsteriskSwitch(ServiceContext("telephony", config, None, services))
    services.register(keys.TELEPHONY, switch, depends_on=["events"])
    rig = Rig(fake, switch, services)

    async def record(event: Event) -> None:
        rig.events.append(event)

    bus.subscribe(record, name="test-recorder")
    await services.start()
    assert switch.agi is not None
    fake.agi_port = switch.agi.port
    await rig.until(lambda: switch.link is not None and switch.link.state == "up")
    yield rig
    await services.stop()
