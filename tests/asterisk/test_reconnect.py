"""AMI link dropped mid-call and restored: calls are reconciled, nothing stays in progress forever."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from caruso import keys
from caruso.core.component import HealthState
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.drivers.asterisk.switch import AsteriskSwitch
from caruso.events.bus import EventBus
from caruso.telephony.events import CallHungUp
from caruso.telephony.interface import Call, CallEnded, DialFailed, HangupCause, Prompt
from tests.asterisk.conftest import Rig, asterisk_config
from tests.asterisk.fake.asterisk import FakeAsterisk


def hangups(rig: Rig, call_id: str) -> list[CallHungUp]:
    return [e for e in rig.events if isinstance(e, CallHungUp) and e.call_id == call_id]


async def test_drop_mid_call_then_reconcile(rig: Rig) -> None:
    flow_ends: dict[str, HangupCause] = {}

    async def flow(call: Call) -> None:
        await call.answer()
        try:
            await call.play(Prompt(file=Path("queue-music")))
        except CallEnded as exc:
            flow_ends[call.id] = exc.cause
            raise

    rig.switch.set_inbound_handler(flow)
    fake = rig.fake
    a, b, c = (fake.incoming(prompt_seconds=3600) for _ in range(3))
    await rig.until(lambda: all(any(x.startswith("STREAM FILE") for x in f.commands) for f in (a, b, c)))
    fake.ami.originate_outcomes["PJSIP/6009"] = "hold"          # Asterisk never says how it went
    placing = asyncio.create_task(rig.switch.originate("6009", ring_timeout=60))
    await rig.until(lambda: any(x.get("Action") == "Originate" for x in fake.ami.actions))

    await fake.ami.go_down()
    await rig.until(lambda: rig.switch.link.state != "up")
    assert rig.switch.health().state is HealthState.DEGRADED
    fake.caller_hangs_up(a)                       # the AGI side still tells us at once
    await rig.until(lambda: hangups(rig, a.uniqueid))
    a_ended_at = time.time()
    fake.channel_gone_silently(b.uniqueid)        # nobody tells us about this one
    await fake.ami.come_back(forget_channels=False)

    await rig.until(lambda: rig.switch.link.sessions == 2)
    assert rig.switch.health().state is HealthState.OK
    with pytest.raises(DialFailed) as lost:
        await placing
    assert lost.value.cause is HangupCause.FAILED and "not retried" in str(lost.value)
    assert sum(x.get("Action") == "Originate" for x in fake.ami.actions) == 1
    await rig.until(lambda: hangups(rig, b.uniqueid))
    (a_end,) = hangups(rig, a.uniqueid)
    (b_end,) = hangups(rig, b.uniqueid)
    assert a_end.cause == "caller_hangup" and a_end.at <= a_ended_at
    assert b_end.cause == "failed" and b_end.at < a_end.at      # closed at the moment the link dropped
    assert flow_ends[b.uniqueid] is HangupCause.FAILED

    call_c = rig.switch.tracker.calls[c.uniqueid]
    assert call_c.attached and not call_c.ended                   # still up: re-attached
    fake.caller_hangs_up(c)                                       # now seen through AMI again
    await rig.until(lambda: hangups(rig, c.uniqueid))
    assert [e.cause for e in hangups(rig, c.uniqueid)] == ["caller_hangup"]
    await rig.until(lambda: not rig.switch.tracker.calls)


async def test_asterisk_restart_with_calls_lost(rig: Rig) -> None:
    async def flow(call: Call) -> None:
        await call.play(Prompt(file=Path("queue-music")))

    rig.switch.set_inbound_handler(flow)
    caller = rig.fake.incoming(prompt_seconds=3600)
    await rig.until(lambda: caller.commands)
    await rig.fake.ami.go_down()
    await rig.fake.ami.come_back(forget_channels=True)            # a restart forgets every channel
    await rig.until(lambda: hangups(rig, caller.uniqueid))
    assert hangups(rig, caller.uniqueid)[0].cause == "failed"
    await rig.until(lambda: caller.closed.is_set())


async def test_failed_login_shows_in_health() -> None:
    fake = FakeAsterisk(secret="something-else")
    await fake.start()
    config = asterisk_config(fake.ami.port)
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    services.register(keys.EVENTS, EventBus())
    switch = AsteriskSwitch(ServiceContext("telephony", config, None, services))
    services.register(keys.TELEPHONY, switch, depends_on=["events"])
    await services.start()
    try:
        async with asyncio.timeout(10):
            while switch.link is None or switch.link.login_failures == 0:
                await asyncio.sleep(0.01)
        health = switch.health()
        assert health.state is HealthState.DOWN and "Authentication failed" in health.reason
        assert services.health()["telephony"].state is HealthState.DOWN
    finally:
        await services.stop()
        await fake.stop()
