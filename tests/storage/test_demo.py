"""The demo utility company: loaded into an empty CRM by the demo mode, once."""

from __future__ import annotations

from caruso.storage.demo import load_demo
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend


async def test_demo_mode_loads_the_utility_company_once(backend: Backend) -> None:
    storage = StorageManager.standalone(backend.config(demo=True))
    async with storage.lifespan():
        assert await storage.objects.count("Customer") == 20
        (bernard,) = await storage.identify_caller("04 72 00 00 01")
        contracts = await storage.objects.related(bernard, "contracts")
        assert contracts and all(c["customerId"] == bernard.key for c in contracts)
        meters = await storage.objects.related(contracts[0], "meters")
        readings = await storage.objects.related(meters[0], "readings")
        assert len(readings) == 4
        assert await load_demo(storage) == 0  # not twice
        created = await storage.objects.create("Customer", {"number": "C-NEW", "lastName": "New"})
        assert created.key == 21
