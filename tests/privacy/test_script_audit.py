"""A dialog script changing a customer's record leaves an audit row (attribute names, no values)."""

from __future__ import annotations

from caruso import keys
from caruso.core.manager import ServiceManager
from caruso.script.effects import Effect
from caruso.script.hosts.services import ServiceExecutor
from caruso.script.state import Frame, RunState
from caruso.storage.service import StorageManager
from caruso.storage.users_repository import UsersRepository
from tests.storage.conftest import Backend


async def test_script_update_is_audited(backend: Backend) -> None:
    services = ServiceManager()
    storage = StorageManager.standalone(backend.config(demo=True), services)
    services.register(keys.STORAGE, storage)
    async with storage.lifespan():
        state = RunState(channel="agent", context={}, frames=(Frame("billing-agent", "1", "s", {}, {}, {}),),
                         status="action")
        executor = ServiceExecutor(services, channel="agent")
        result = await executor.execute(Effect("update", {"class": "Customer", "object": "customer", "id": 2,
                                                          "fields": {"city": "Grenoble"}}), state)
        assert result.ok, result.error
        entry = (await UsersRepository(storage.database).list_audit(limit=1))[0]
        assert (entry.actor, entry.action, entry.target_kind, entry.target_id) == (
            "script:billing-agent", "customer.update", "Customer", "2")
        assert entry.details == {"via": "agent script", "attributes": ["city"]}
