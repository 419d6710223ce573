"""Service manager: dependency order, rollback, cycles, replacement under concurrent look-ups, health."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from caruso.core.component import Health, HealthState, ServiceKey
from caruso.core.manager import ServiceManager
from caruso.errors import (
    DependencyCycle,
    DuplicateService,
    MissingDependency,
    ServiceNotFound,
    ServiceStartError,
)


class Recorder:
    """A component that logs its start/stop into a shared journal."""

    def __init__(self, name: str, journal: list[str], *, fail: bool = False, start_delay: float = 0) -> None:
        self.name = name
        self.journal = journal
        self.fail = fail
        self.start_delay = start_delay
        self.running = False

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        await asyncio.sleep(self.start_delay)
        if self.fail:
            raise RuntimeError(f"{self.name} cannot bind its port")
        self.journal.append(f"start {self.name}")
        self.running = True
        try:
            yield
        finally:
            self.running = False
            self.journal.append(f"stop {self.name}")

    def health(self) -> Health:
        return Health.ok() if self.running else Health.down("stopped")


async def test_starts_in_dependency_order_and_stops_in_reverse() -> None:
    journal: list[str] = []
    m = ServiceManager()
    m.register("web", Recorder("web", journal), depends_on=["acd", "storage"])
    m.register("acd", Recorder("acd", journal), depends_on=["storage"])
    m.register("storage", Recorder("storage", journal))
    await m.start()
    assert journal == ["start storage", "start acd", "start web"]
    await m.stop()
    assert journal[3:] == ["stop web", "stop acd", "stop storage"]


async def test_failing_start_tears_down_exactly_what_started() -> None:
    journal: list[str] = []
    m = ServiceManager()
    m.register("storage", Recorder("storage", journal))
    m.register("acd", Recorder("acd", journal), depends_on=["storage"])
    m.register("web", Recorder("web", journal, fail=True), depends_on=["acd"])
    m.register("dialer", Recorder("dialer", journal), depends_on=["web"])
    with pytest.raises(ServiceStartError) as info:
        await m.start()
    assert info.value.name == "web"
    assert "web" in str(info.value) and "cannot bind its port" in str(info.value)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert journal == ["start storage", "start acd", "stop acd", "stop storage"]
    assert not m.running


async def test_cycle_is_refused_with_the_cycle_named() -> None:
    m = ServiceManager()
    m.register("a", Recorder("a", []), depends_on=["b"])
    m.register("b", Recorder("b", []), depends_on=["c"])
    m.register("c", Recorder("c", []), depends_on=["a"])
    m.register("d", Recorder("d", []))
    with pytest.raises(DependencyCycle) as info:
        await m.start()
    assert info.value.cycle == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in str(info.value)


async def test_missing_dependency_and_duplicate_and_unknown_names() -> None:
    m = ServiceManager()
    m.register("web", Recorder("web", []), depends_on=["storage"])
    with pytest.raises(MissingDependency, match="'storage'"):
        await m.start()
    with pytest.raises(DuplicateService):
        m.register("web", Recorder("web", []))
    with pytest.raises(ServiceNotFound) as info:
        m.get("mailer")
    assert "mailer" in str(info.value) and "web" in str(info.value)


async def test_typed_key_and_name_lookup_return_the_same_component() -> None:
    key: ServiceKey[Recorder] = ServiceKey("storage")
    m = ServiceManager()
    comp = Recorder("storage", [])
    m.register(key, comp)
    assert m.get(key) is comp and m.get("storage") is comp
    assert key in m and "storage" in m and "nope" not in m


async def test_replace_swaps_then_stops_old_and_concurrent_lookups_never_see_a_stopped_service() -> None:
    journal: list[str] = []
    m = ServiceManager()
    m.register("mailer", Recorder("mailer-1", journal))
    await m.start()
    seen: list[str] = []
    stopped_seen: list[str] = []
    done = asyncio.Event()

    async def caller() -> None:
        while not done.is_set():
            async with m.use("mailer") as svc:
                if not svc.running:
                    stopped_seen.append(svc.name)
                seen.append(svc.name)
                await asyncio.sleep(0)
                if not svc.running:  # still leased: must not have been stopped under us
                    stopped_seen.append(svc.name)
            plain = m.get("mailer")
            if not plain.running:
                stopped_seen.append(plain.name)
            await asyncio.sleep(0)

    callers = [asyncio.create_task(caller()) for _ in range(20)]
    await asyncio.sleep(0.01)
    await m.replace("mailer", Recorder("mailer-2", journal, start_delay=0.01))
    assert m.get("mailer").name == "mailer-2"
    await asyncio.sleep(0.01)
    done.set()
    await asyncio.gather(*callers)
    assert stopped_seen == []
    assert {"mailer-1", "mailer-2"} <= set(seen)
    assert journal == ["start mailer-1", "start mailer-2", "stop mailer-1"]
    await m.stop()
    assert journal[-1] == "stop mailer-2"


async def test_replacement_that_fails_to_start_leaves_the_old_one_serving() -> None:
    journal: list[str] = []
    m = ServiceManager()
    old = Recorder("mailer-1", journal)
    m.register("mailer", old)
    await m.start()
    with pytest.raises(ServiceStartError):
        await m.replace("mailer", Recorder("mailer-2", journal, fail=True))
    assert m.get("mailer") is old and old.running
    await m.stop()
    assert journal == ["start mailer-1", "stop mailer-1"]


async def test_replace_waits_for_leases_on_the_old_component() -> None:
    journal: list[str] = []
    m = ServiceManager()
    m.register("erp", Recorder("erp-1", journal))
    await m.start()
    release = asyncio.Event()

    async def long_user() -> bool:
        async with m.use("erp") as svc:
            await release.wait()
            return svc.running

    user = asyncio.create_task(long_user())
    await asyncio.sleep(0)
    replacing = asyncio.create_task(m.replace("erp", Recorder("erp-2", journal)))
    await asyncio.sleep(0.01)
    assert m.get("erp").name == "erp-2"
    assert "stop erp-1" not in journal  # the lease holds it
    release.set()
    assert await user is True
    await replacing
    assert journal[-1] == "stop erp-1"
    await m.stop()


async def test_health_reports_each_component_and_survives_a_broken_check() -> None:
    class Broken:
        def health(self) -> Health:
            raise ValueError("boom")

    m = ServiceManager()
    m.register("ok", Recorder("ok", []))
    m.register("broken", Broken())
    m.register("config", {"plain": "value"})  # a plain value: nothing to start, always ok
    await m.start()
    report = m.health()
    assert report["ok"].state is HealthState.OK
    assert report["broken"].state is HealthState.DOWN and "boom" in report["broken"].reason
    assert report["config"].state is HealthState.OK
    await m.stop()
    assert m.health()["ok"].state is HealthState.DOWN
