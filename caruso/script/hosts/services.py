"""Carry out script actions with the running server's services (found through the service manager).

- ``email``   → the mailer (MAILER): ``send(to=, cc=, subject=, body=)``
- ``find``, ``create``, ``update`` → the storage manager's business objects (STORAGE)
- ``invoke``  → any registered service by name: ``await service.<operation>(**args)``; a component may
  list what scripts may call in ``script_operations``; private names and the lifecycle are never callable
- ``transfer``, ``voicemail`` → the host's own handler (phone, agent desktop); other hosts refuse them

Results are made JSON-safe (dates as ISO strings, decimals as numbers) before they reach the run.
"""

from __future__ import annotations

import datetime as dt
import decimal
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from caruso.core.manager import ServiceManager
from caruso.keys import MAILER, STORAGE
from caruso.script.effects import Effect
from caruso.script.inputs import ActionResult
from caruso.script.state import RunState

CallHandler = Callable[[Effect, RunState], Awaitable[ActionResult]]
NEVER_CALLABLE = frozenset({"lifespan", "health", "start", "stop", "close", "aclose"})


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    as_json = getattr(value, "as_json", None)
    if callable(as_json):
        return jsonable(as_json())
    values = getattr(value, "values", None)
    if isinstance(values, dict):
        return jsonable(values)
    return str(value)


def plain_object(obj: Any) -> Any:
    """A business object as JSON-able data (its key as ``id`` when the model names it otherwise)."""
    if obj is None:
        return None
    data = jsonable(obj)
    key = getattr(obj, "key", None)
    if isinstance(data, dict) and key is not None:
        data.setdefault("id", jsonable(key))
    return data


async def object_with_relations(objects: Any, obj: Any) -> Any:
    """The object's attributes plus its relations one level deep (customer.contracts, contract.meters)."""
    data = plain_object(obj)
    if data is None:
        return None
    related = getattr(objects, "related", None)
    model = getattr(objects, "model", None)
    defs = getattr(model, "objects", None)
    definition = defs.get(obj.name) if hasattr(defs, "get") else None
    for name in getattr(definition, "relations", ()) or ():
        if related is not None and name not in data:
            data[name] = jsonable(await related(obj, name))
    return data


def _business_objects(services: ServiceManager) -> Any:
    storage = services.find(STORAGE)
    if storage is None:
        return None
    return getattr(storage, "objects", storage)


class ServiceExecutor:
    def __init__(self, services: ServiceManager, *, channel: str, calls: CallHandler | None = None) -> None:
        self.services = services
        self.channel = channel
        self.calls = calls

    async def execute(self, effect: Effect, state: RunState) -> ActionResult:
        handler = getattr(self, f"_do_{effect.kind}", None)
        if handler is None:
            return ActionResult(ok=False, error=f"unknown action {effect.kind!r}")
        return await handler(effect.data, effect, state)  # type: ignore[no-any-return]

    async def _do_email(self, d: dict[str, Any], effect: Effect, state: RunState) -> ActionResult:
        mailer = self.services.find(MAILER)
        if mailer is None:
            return ActionResult(ok=False, error="no mailer service is configured")
        message_id = await mailer.send(to=d["to"], cc=d.get("cc") or (), subject=d["subject"], body=d["body"])
        return ActionResult(ok=True, value=message_id)

    async def _do_find(self, d: dict[str, Any], effect: Effect, state: RunState) -> ActionResult:
        objects = _business_objects(self.services)
        if objects is None:
            return ActionResult(ok=False, error="no storage service is configured")
        found = await objects.first(d["class"], {d["by"]: d["value"]})
        return ActionResult(ok=True, value=await object_with_relations(objects, found))

    async def _do_create(self, d: dict[str, Any], effect: Effect, state: RunState) -> ActionResult:
        objects = _business_objects(self.services)
        if objects is None:
            return ActionResult(ok=False, error="no storage service is configured")
        created = await objects.create(d["class"], d["fields"])
        await self._audit("create", created, d["fields"], state)
        return ActionResult(ok=True, value=plain_object(created))

    async def _do_update(self, d: dict[str, Any], effect: Effect, state: RunState) -> ActionResult:
        objects = _business_objects(self.services)
        if objects is None:
            return ActionResult(ok=False, error="no storage service is configured")
        if d.get("id") is None:
            return ActionResult(ok=False, error=f"the {d['object']} object is not known: nothing to update")
        updated = await objects.update(d["class"], d["id"], d["fields"])
        await self._audit("update", updated, d["fields"], state)
        return ActionResult(ok=True, value=await object_with_relations(objects, updated))

    async def _audit(self, change: str, obj: Any, fields: dict[str, Any], state: RunState) -> None:
        """A script changed a business object: audit log entry (attribute names, never values)."""
        from caruso.privacy import audit

        ref = getattr(obj, "ref", None)
        if ref is not None:
            await audit.record(self.services, f"script:{state.script}", f"customer.{change}", audit.target(ref),
                               {"via": f"{self.channel} script", "attributes": sorted(fields)})

    async def _do_invoke(self, d: dict[str, Any], effect: Effect, state: RunState) -> ActionResult:
        component = self.services.find(d["service"])
        if component is None:
            return ActionResult(ok=False, error=f"no service named {d['service']!r}")
        operation = d["operation"]
        allowed = getattr(component, "script_operations", None)
        if (operation.startswith("_") or operation in NEVER_CALLABLE
                or (allowed is not None and operation not in allowed)):
            return ActionResult(ok=False, error=f"service {d['service']!r} does not offer {operation!r} to scripts")
        method = getattr(component, operation, None)
        if not callable(method):
            return ActionResult(ok=False, error=f"service {d['service']!r} has no operation {operation!r}")
        result = method(**d["args"])
        if inspect.isawaitable(result):
            result = await result
        return ActionResult(ok=True, value=jsonable(result))

    async def _do_transfer(self, d: dict[str, Any], effect: Effect, state: RunState) -> ActionResult:
        return await self._call_action(effect, state)

    async def _do_voicemail(self, d: dict[str, Any], effect: Effect, state: RunState) -> ActionResult:
        return await self._call_action(effect, state)

    async def _call_action(self, effect: Effect, state: RunState) -> ActionResult:
        if self.calls is None:
            return ActionResult(ok=False, error=f"{effect.kind} is not available on the {self.channel} channel")
        return await self.calls(effect, state)
