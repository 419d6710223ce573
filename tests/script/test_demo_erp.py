"""services/erp-demo.toml: with --demo, <invoke service="erp" operation="balance"> answers from the CRM,
so the billing-dispute script shows a balance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from caruso import paths
from caruso.core.descriptors import instantiate, read_descriptor
from caruso.keys import CONFIG, SCRIPTS, STORAGE
from caruso.script.effects import Effect
from caruso.script.hosts.batch import AnswerQueue, run_batch
from caruso.script.hosts.services import ServiceExecutor, object_with_relations
from caruso.script.interpreter import Interpreter
from caruso.web.keys import SERVICES
from tests.script.selfservice_app import selfservice_app


async def test_the_demo_erp_gives_the_billing_script_a_balance(tmp_path: Path, smtp_server: Any) -> None:
    async with selfservice_app(tmp_path, smtp_server.port, storage=True) as app:
        services = app[SERVICES]
        desc = read_descriptor(paths.shipped("services") / "erp-demo.toml")
        assert desc.active(services.get(CONFIG))  # the test config runs the demo
        services.register("erp", instantiate(desc, services.get(CONFIG), services), depends_on=desc.depends_on)
        erp = services.get("erp")
        balance = await erp.balance(customer="C100002")
        assert set(balance) == {"amount", "overdue", "currency"} and balance["overdue"] in (0, 1, 2)
        assert balance == await erp.balance(customer="C100002")  # the same every time

        storage = services.get(STORAGE)
        customer = await storage.objects.first("Customer", {"number": "C100002"})
        events: list[dict[str, Any]] = []
        state = await run_batch(Interpreter(services.get(SCRIPTS)), "billing-dispute",
                                AnswerQueue({"reason": "other", "ask-amount": 10, "offer-credit": "yes"}),
                                ServiceExecutor(services, channel="agent"), events.append,
                                objects={"customer": await object_with_relations(storage.objects, customer)})
        assert state.outcome == "credited"
        summary = next(e for e in events if e.get("step") == "summary")
        assert f"{balance['overdue']} invoice(s) overdue" in summary["text"]
        # scripts may call only what the service offers them
        refused = [e for e in events if e["event"] == "error"]
        assert refused == []
        result = await ServiceExecutor(services, channel="agent").execute(
            Effect("invoke", {"service": "erp", "operation": "health", "args": {}, "result": None}), state)
        assert not result.ok and "does not offer 'health' to scripts" in result.error
