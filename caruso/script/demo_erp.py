"""The demo company's ERP, for ``caruso serve --demo`` only (services/erp-demo.toml).

A stand-in for the legacy system a real installation wraps as a service: scripts reach it with
``<invoke service="erp" operation="balance">`` (billing-dispute.xml).  It answers from the CRM's
contracts, deterministically per customer, so the demo shows a balance and overdue invoices.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.keys import STORAGE


class DemoErp:
    script_operations = frozenset({"balance"})  # what scripts may call

    def __init__(self, ctx: ServiceContext) -> None:
        self.services = ctx.services

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        yield

    def health(self) -> Health:
        return Health.ok("demo ERP (balances made up from the CRM's contracts)")

    async def balance(self, customer: str) -> dict[str, Any]:
        """The customer's open balance: some monthly instalments overdue (0 to 2, fixed per customer)."""
        objects = self.services.get(STORAGE).objects
        found = await objects.first("Customer", {"number": customer})
        if found is None:
            raise LookupError(f"the ERP has no customer {customer!r}")
        contracts = await objects.find("Contract", {"customerId": found.key})
        monthly = sum(float(c.get("monthlyAmount") or 0) for c in contracts)
        overdue = int(hashlib.sha256(customer.encode()).hexdigest()[:4], 16) % 3
        return {"amount": round(monthly * overdue, 2), "overdue": overdue, "currency": "EUR"}
