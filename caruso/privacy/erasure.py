"""Erasure on request: carry out a plan (or, for a dry run, only report it) and keep the report.

Order of work (each step idempotent, so an interrupted erasure run again finishes it):
1. a suppression entry (one-way hash) for every number and address, so nobody contacts or re-imports them;
2. per place of the system schema (SYSTEM_KINDS order): files deleted first, then the rows masked/deleted;
3. business objects: related ones first, the customer object last — until then the selector still finds it.
The report names places and counts, and the customer only by object and key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caruso.privacy import audit
from caruso.privacy.model import SYSTEM_ACTIONS, SYSTEM_KINDS
from caruso.privacy.planner import ErasurePlan, Selector, blank_changes, plan
from caruso.storage.privacy_repository import PrivacyRepository

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ErasureReport:
    dry_run: bool
    customers: list[str]                       # "Customer:42" (no personal data)
    places: dict[str, dict[str, Any]] = field(default_factory=dict)   # place -> {"count", "action"}
    files: int = 0
    suppressed: int = 0
    at: str = ""

    @property
    def total(self) -> int:
        return sum(p["count"] for p in self.places.values()) + self.files

    @property
    def nothing_to_do(self) -> bool:
        return self.total == 0

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "at": self.at, "customers": self.customers, "places": self.places,
                "files": self.files, "suppressed": self.suppressed, "total": self.total}

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        who = ", ".join(self.customers) or "a number/address not in the CRM"
        out = [f"erasure {'(dry run) ' if self.dry_run else ''}of {who}:"]
        if self.nothing_to_do:
            out.append("  nothing held any more: nothing to do")
        for place, info in self.places.items():
            out.append(f"  {place:<28} {info['count']:>5}  {info['action']}")
        out.append(f"  {'files':<28} {self.files:>5}  {verb} deleted (recordings, voicemail audio, "
                   "self-service answers)")
        out.append(f"  {'suppression entries':<28} {self.suppressed:>5}  one-way hashes of the numbers and "
                   f"addresses {verb} kept so they are never contacted or imported again")
        return out


def report_of(p: ErasurePlan, *, dry_run: bool, at: datetime) -> ErasureReport:
    report = ErasureReport(dry_run, [audit.target(ref) for ref in p.identity.customers],
                           files=len(p.files), suppressed=len(p.identity.addresses), at=at.isoformat())
    for kind in SYSTEM_KINDS:
        count = sum(1 for item in p.system if item.kind == kind)
        if count:
            report.places[kind] = {"count": count, "action": SYSTEM_ACTIONS[kind]}
    for item in p.objects:
        if item.action == "keep":
            continue
        place = report.places.setdefault(item.kind, {"count": 0, "action": ""})
        place["count"] += 1
        actions = {a for a in place["action"].split(", ") if a} | {
            "deleted" if item.action == "delete" else "personal attributes blanked"}
        place["action"] = ", ".join(sorted(actions))
    return report


def _delete_file(path: str) -> None:
    try:
        Path(path).unlink(missing_ok=True)
    except IsADirectoryError:
        log.warning("erasure: %s is a directory, not deleted", path)


async def execute(storage: Any, p: ErasurePlan) -> None:
    """Carry out *p* (see the module docstring for the order)."""
    for address in p.identity.addresses:
        await storage.consent.suppress(address, reason="erasure")
    repo = PrivacyRepository(storage.database, country=storage.config.storage.default_country)
    for kind in SYSTEM_KINDS:
        items = [i for i in p.system if i.kind == kind]
        for item in items:
            for path in item.files:
                _delete_file(path)
        await repo.erase(kind, [i.id for i in items], p.identity)
    model = storage.model
    for item in p.objects:
        name = item.kind.removeprefix("object:")
        if item.action == "keep":
            continue
        if item.action == "delete":
            await storage.objects.delete(name, item.id)
            continue
        current = await storage.objects.get(name, item.id)
        changes = blank_changes(model.object(name), current)
        if changes:
            await storage.objects.update(name, item.id, changes)
    await repo.scrub()


async def erase(storage: Any, selector: Selector, *, dry_run: bool = False, actor: str | None = None,
                services: Any = None, remote_addr: str | None = None,
                now: datetime | None = None) -> ErasureReport:
    """Plan, then (unless *dry_run*) carry out the erasure of the person *selector* names; audited."""
    at = now or datetime.now(UTC)
    p = await plan(storage, selector)
    report = report_of(p, dry_run=dry_run, at=at)
    if not dry_run and not report.nothing_to_do:
        await execute(storage, p)
    elif not dry_run:   # still make sure the suppression entries exist (cheap, idempotent)
        for address in p.identity.addresses:
            await storage.consent.suppress(address, reason="erasure")
    target = ",".join(report.customers) if report.customers else "address:(hashed)"
    action = audit.ERASE_DRY_RUN if dry_run else audit.ERASE
    details = report.as_dict()
    if services is not None:
        await audit.record(services, actor, action, target, details, remote_addr=remote_addr)
    else:
        await audit.append(storage, actor, action, target, details, remote_addr=remote_addr)
    log.info("%s of %s: %d items, %d files", action, target, report.total - report.files, report.files)
    return report


__all__ = ["ErasureReport", "erase", "execute", "report_of"]
