"""Subject access: everything held about one person as ``export.json`` plus their recordings.

The export is built from the same plan erasure uses, so it contains every item erasure would remove (and
the related objects erasure keeps because nothing personal is left in them).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caruso.privacy import audit
from caruso.privacy.planner import Selector, plan


@dataclass(frozen=True, slots=True)
class ExportResult:
    folder: Path
    document: Path
    items: int
    recordings: int
    missing: tuple[str, ...]     # files the records name that are no longer on disk


def build_document(p: Any, at: datetime, copies: dict[str, str]) -> dict[str, Any]:
    return {
        "generated_at": at.isoformat(),
        "subject": {"customers": [audit.target(r) for r in p.identity.customers],
                    "numbers": list(p.identity.numbers), "emails": list(p.identity.emails)},
        "items": [{"id": item.item_id, "kind": item.kind, "erasure": item.action, "data": item.data,
                   "files": [copies[f] for f in item.files if f in copies]} for item in p.items],
    }


async def export(storage: Any, selector: Selector, out: Path, *, actor: str | None = None, services: Any = None,
                 remote_addr: str | None = None, now: datetime | None = None) -> ExportResult:
    """Write ``out/export.json`` and ``out/recordings/*``; *out* must not exist or be empty."""
    at = now or datetime.now(UTC)
    p = await plan(storage, selector)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        from caruso.privacy.errors import PrivacyError

        raise PrivacyError(f"{out} is not empty; give a new folder for the export")
    copies: dict[str, str] = {}
    missing = []
    for n, path in enumerate(dict.fromkeys(p.files), start=1):
        source = Path(path)
        if not source.is_file():
            missing.append(path)
            continue
        (out / "recordings").mkdir(exist_ok=True)
        name = f"recordings/{n:04d}-{source.name}"
        shutil.copyfile(source, out / name)
        copies[path] = name
    document = out / "export.json"
    document.write_text(json.dumps(build_document(p, at, copies), indent=2, ensure_ascii=False), encoding="utf-8")
    target = ",".join(audit.target(r) for r in p.identity.customers) or "address:(hashed)"
    details = {"items": len(p.items), "recordings": len(copies)}
    if services is not None:
        await audit.record(services, actor, audit.EXPORT, target, details, remote_addr=remote_addr)
    else:
        await audit.append(storage, actor, audit.EXPORT, target, details, remote_addr=remote_addr)
    return ExportResult(out, document, len(p.items), len(copies), tuple(missing))


__all__ = ["ExportResult", "build_document", "export"]
