"""Find everything held about one person: the customer objects, related objects, numbers and addresses,
and every row of the system schema that still holds them.  Used by erasure (dry run or real) and export.

``plan(storage, "phone=+33472000001")`` reads only; the plan it returns lists each item with its content
(what an export writes) and what erasure does to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from caruso.privacy.errors import PrivacyError, SubjectNotFound
from caruso.privacy.model import HeldItem, Identity, jsonable
from caruso.storage.errors import StorageError
from caruso.storage.objects import BusinessObject
from caruso.storage.privacy_repository import PrivacyRepository
from caruso.storage.subjects import normalise_address

PLACEHOLDER = "erased"   # what a required personal text attribute holds after erasure


@dataclass(frozen=True, slots=True)
class Selector:
    """``ATTR=VALUE`` of the customer object class (e.g. ``number=C100002``, ``phone=04 72 00 00 01``)."""

    object: str
    attribute: str
    value: str

    @classmethod
    def parse(cls, text: str, object_name: str) -> Selector:
        attr, sep, value = text.partition("=")
        if not sep or not attr.strip() or not value.strip():
            raise PrivacyError(f"--customer takes ATTR=VALUE (e.g. number=C100002), not {text!r}")
        return cls(object_name, attr.strip(), value.strip())


@dataclass(slots=True)
class ErasurePlan:
    identity: Identity
    # children first, the customers last; action "keep": held about the person, nothing personal to erase
    objects: list[HeldItem] = field(default_factory=list)
    system: list[HeldItem] = field(default_factory=list)    # in SYSTEM_KINDS order

    @property
    def items(self) -> list[HeldItem]:
        """Everything held about the person (what an export writes)."""
        return self.system + self.objects

    @property
    def erasable(self) -> list[HeldItem]:
        """What erasure removes or changes."""
        return [i for i in self.items if i.action != "keep"]

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(f for item in self.items for f in item.files))


def _blank_value(obj: Any, attr: Any) -> Any:
    if not attr.required:
        return None
    if attr.type in ("string", "text"):
        return PLACEHOLDER[: attr.length] if attr.length else PLACEHOLDER
    raise PrivacyError(f"{obj.name}.{attr.name} is personal and required ({attr.type}): it cannot be blanked; "
                       f"mark the object erasure=\"delete\" in its model file or make the attribute optional")


def blank_changes(definition: Any, obj: BusinessObject) -> dict[str, Any]:
    """The personal attributes of *obj* still holding something, with the value erasure puts there."""
    changes = {}
    for name in definition.personal_attributes:
        attr = definition.attributes[name]
        value = obj.values.get(name)
        target = _blank_value(definition, attr)
        if value is not None and value != "" and value != target:
            changes[name] = target
    return changes


async def _identity(storage: Any, selector: Selector, customers: list[BusinessObject]) -> Identity:
    model = storage.model
    numbers: list[str] = []
    emails: list[str] = []
    for obj in customers:
        for attr in model.object(obj.name).attributes.values():
            value = obj.values.get(attr.name)
            if value and attr.type == "phone":
                numbers.append(str(value))
            elif value and attr.type == "email":
                emails.append(str(value).lower())
    if not customers:       # nobody (left) in the CRM: the number or address itself is the subject
        attr = model.object(selector.object).attribute(selector.attribute)
        if attr.type not in ("phone", "email"):
            raise SubjectNotFound(f"no {selector.object} with {selector.attribute}={selector.value!r}")
        address = normalise_address(selector.value, "email" if attr.type == "email" else "phone",
                                    storage.config.storage.default_country)
        (emails if attr.type == "email" else numbers).append(address)
    return Identity(tuple(o.ref for o in customers), tuple(dict.fromkeys(numbers)), tuple(dict.fromkeys(emails)))


async def _objects(storage: Any, customers: list[BusinessObject]) -> list[HeldItem]:
    """Each customer and, following 'many' relations, what belongs to it; children before parents."""
    model = storage.model
    seen: set[tuple[str, str]] = set()
    out: list[HeldItem] = []

    async def visit(obj: BusinessObject, deleting: bool) -> None:
        ref = (obj.name, str(obj.key))
        if ref in seen:
            return
        seen.add(ref)
        definition = model.object(obj.name)
        delete = deleting or definition.erasure == "delete"
        for relation in definition.relations.values():
            if relation.kind == "many":
                for child in await storage.objects.related(obj, relation.name):
                    await visit(child, delete)
        data = jsonable(obj.as_json())
        if delete:
            out.append(HeldItem(f"object:{obj.name}", str(obj.key), data, (), "delete"))
            return
        changes = blank_changes(definition, obj)
        out.append(HeldItem(f"object:{obj.name}", str(obj.key), data, (), "blank" if changes else "keep"))

    for customer in customers:
        await visit(customer, False)
    return out


async def find_customers(storage: Any, selector: Selector) -> list[BusinessObject]:
    try:
        return await storage.objects.find(selector.object, {selector.attribute: selector.value})
    except StorageError as exc:
        raise PrivacyError(str(exc)) from exc


_SAFE_NAME = re.compile(r"[A-Za-z0-9_.:-]+")


def _with_visitor_files(storage: Any, items: list[HeldItem]) -> list[HeldItem]:
    """Web self-service runs are also kept per visitor as ``<data_dir>/selfservice/runs/<visitor>/<script>.json``
    (answers included): those files go with the run."""
    root = Path(storage.config.data_dir) / "selfservice" / "runs"
    out = []
    for item in items:
        session, script = item.data.get("session"), item.data.get("script")
        if item.kind == "script_runs" and item.data.get("host") == "web" and session and script and \
                _SAFE_NAME.fullmatch(str(session)) and _SAFE_NAME.fullmatch(str(script)) and \
                not str(session).startswith(".") and not str(script).startswith("."):
            item = replace(item, files=(*item.files, str(root / str(session) / f"{script}.json")))
        out.append(item)
    return out


async def plan(storage: Any, selector: Selector) -> ErasurePlan:
    """Everything held about the person *selector* names (read only)."""
    customers = await find_customers(storage, selector)
    identity = await _identity(storage, selector, customers)
    repo = PrivacyRepository(storage.database, country=storage.config.storage.default_country)
    system = _with_visitor_files(storage, await repo.holdings(identity))
    return ErasurePlan(identity, await _objects(storage, customers), system)


__all__ = ["ErasurePlan", "PLACEHOLDER", "Selector", "blank_changes", "find_customers", "plan"]
