"""The ACD service on the real storage manager (SQLite and PostgreSQL): the demo configuration, changes
applied without restart, the agent state log."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from sqlalchemy import text

from caruso import keys
from caruso.acd import AgentConfig, AgentState, Membership, QueueConfig, Strategy
from caruso.acd.service import AcdService
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.events.bus import EventBus
from caruso.storage.acd_repository import AcdRepository
from caruso.storage.admin_repository import AdminRepository
from caruso.storage.service import StorageManager


def make_service(storage: StorageManager, *, demo: bool) -> AcdService:
    services = ServiceManager()
    services.register(keys.EVENTS, EventBus())
    services.register(keys.STORAGE, storage)
    config = replace(storage.config, server=replace(storage.config.server, demo=demo))
    return AcdService(ServiceContext("acd", config, AcdService.Settings(poll_seconds=0), services))


async def test_demo_configuration_loads_and_changes_apply_without_restart(storage: StorageManager) -> None:
    service = make_service(storage, demo=True)
    async with service.lifespan():
        core = service.core
        assert sorted(core.queues) == ["billing", "outage"]
        assert sorted(core.agents) == ["alice", "bruno", "chloe", "david", "emma"]
        billing = core.queues["billing"].config
        assert billing.strategy is Strategy.LONGEST_IDLE and billing.skills[0].min_level == 50
        assert [r.after for r in billing.relaxation] == [30.0, 90.0]
        assert core.agents["david"].config.phone == "+33612345678"
        assert {m.queue: m.penalty for m in core.agents["alice"].config.queues} == {"billing": 0, "outage": 2}

        service.agent_state("alice", AgentState.READY)
        await service.drain()   # SQLite: one writer at a time (see the report on deferred BEGIN)
        admin = AdminRepository(storage.database)
        await admin.save_queue({"name": "billing", "strategy": "fewest_calls",
                                "settings": {"max_wait": 120, "overflow": "queue:outage"}})
        await admin.save_agent({"login": "alice", "skills": {"billing": 40}})
        await admin.save_agent({"login": "felix", "name": "Félix", "queues": {"outage": 0}, "skills": {"outage": 60}})
        await service.reload_config("queue", "billing")
        assert core.queues["billing"].config.strategy is Strategy.FEWEST_CALLS
        assert core.queues["billing"].config.max_wait == 120.0
        assert "felix" in core.agents
        # alice stays logged in and ready through the change; her new level counts at once: 40 is below
        # billing's 50 and the new settings have no relaxation, so she no longer takes billing calls
        assert core.agents["alice"].state is AgentState.READY
        assert core.agents["alice"].members["billing"].eligible_from is None
        assert core.queues["billing"].config.relaxation == ()
        await admin.delete_agent("emma")
        service.set_queue(QueueConfig("lab"))          # set by code, not stored: a reload keeps it
        service.set_agent(AgentConfig("robot", queues=(Membership("lab"),)))
        await service.reload_config()
        assert "emma" not in core.agents
        assert "lab" in core.queues and "robot" in core.agents
    # a definition the ACD refuses (written around the CLI's checks) is left out, the rest still loads
    async with storage.database.transaction() as s:
        await s.execute(text("UPDATE queues SET strategy = 'loudest' WHERE name = 'outage'"))
    repo = AcdRepository(storage.database)
    queues, _ = await repo.load()
    assert [q.id for q in queues] == ["billing"]
    assert repo.problems and "outage" in repo.problems[0]
    async with storage.database.transaction() as s:
        await s.execute(text("UPDATE queues SET strategy = 'ring_all' WHERE name = 'outage'"))
    # a second start on the same database does not install the demo twice
    service = make_service(storage, demo=True)
    async with service.lifespan():
        assert sorted(service.core.agents) == ["alice", "bruno", "chloe", "david", "felix"]


async def test_agent_state_periods_are_logged(storage: StorageManager) -> None:
    service = make_service(storage, demo=True)
    async with service.lifespan():
        service.agent_state("bruno", AgentState.READY)
        await asyncio.sleep(0.01)
        service.agent_state("bruno", AgentState.PAUSED, "coffee")
        service.agent_state("bruno", AgentState.LOGGED_OUT)
        await service.drain()
    log = await AcdRepository(storage.database).state_log("bruno")
    assert [(state, reason) for state, reason, _, _ in log] == [("ready", None), ("paused", "coffee")]
    assert all(ended is not None for *_, ended in log)
    assert log[0][3] == log[1][2]   # periods follow each other
