"""Actions against in-memory data: the CLI's ``--data DATA.json`` and the tests.

DATA.json::

    {"context":  {"caller": "+33140000001"},            # run context (caller's number, ...)
     "objects":  {"customer": {...}},                   # objects handed to the script by name
     "records":  {"Customer": [{...}], "Ticket": []},   # what find/create/update work on, per class
     "services": {"erp.balance": {"amount": 12.5},      # results of invoke service.operation
                  "erp.refund": {"error": "ERP is down"}},
     "params":   {...}}                                 # the script's parameters

E-mails are collected in ``sent`` (the CLI prints them as effects).  Transfer and voicemail succeed
unless ``"fail": ["transfer"]`` lists them.
"""

from __future__ import annotations

import copy
from typing import Any

from caruso.script.effects import Effect
from caruso.script.inputs import ActionResult
from caruso.script.state import RunState


class DataExecutor:
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = copy.deepcopy(data or {})
        self.records: dict[str, list[dict[str, Any]]] = self.data.setdefault("records", {})
        self.services: dict[str, Any] = self.data.get("services", {})
        self.failing = set(self.data.get("fail", []))
        self.sent: list[dict[str, Any]] = []

    def find(self, cls: str | None, attr: str, value: Any) -> dict[str, Any] | None:
        for record in self.records.get(cls or "", []):
            if str(record.get(attr)) == str(value) and value is not None:
                return record
        return None

    async def execute(self, effect: Effect, state: RunState) -> ActionResult:
        if effect.kind in self.failing:
            return ActionResult(ok=False, error=f"{effect.kind} is not available")
        kind, d = effect.kind, effect.data
        if kind == "email":
            if not d["to"]:
                return ActionResult(ok=False, error="the e-mail has no recipient")
            self.sent.append(dict(d))
            return ActionResult(ok=True)
        if kind == "find":
            return ActionResult(ok=True, value=self.find(d["class"], d["by"], d["value"]))
        if kind == "create":
            rows = self.records.setdefault(d["class"], [])
            record = {"id": len(rows) + 1, **d["fields"]}
            rows.append(record)
            return ActionResult(ok=True, value=record)
        if kind == "update":
            record = self.find(d["class"], "id", d["id"])
            if record is None:
                return ActionResult(ok=False, error=f"no {d['class']} with id {d['id']!r} to update")
            record.update(d["fields"])
            return ActionResult(ok=True, value=dict(record))
        if kind == "invoke":
            name = f"{d['service']}.{d['operation']}"
            if name not in self.services:
                return ActionResult(ok=False, error=f"service operation {name} is not available")
            result = self.services[name]
            if isinstance(result, dict) and set(result) == {"error"}:
                return ActionResult(ok=False, error=str(result["error"]))
            return ActionResult(ok=True, value=result)
        if kind in ("transfer", "voicemail"):
            return ActionResult(ok=True)
        return ActionResult(ok=False, error=f"unknown action {kind!r}")
