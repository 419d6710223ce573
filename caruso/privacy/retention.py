"""Retention: per kind of data a period in ``[privacy]``; what is older is removed (``caruso privacy
retention`` by hand, daily by the privacy service).  The clock is injected so tests set "now"."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from caruso.config import PrivacySettings
from caruso.privacy import audit
from caruso.privacy.model import RetentionCounts, RetentionCutoffs
from caruso.storage.privacy_retention_repository import RetentionRepository

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_SAFE = re.compile(r"[A-Za-z0-9_.:-]+")


def utc_now() -> datetime:
    return datetime.now(UTC)


def remove_visitor_file(data_dir: Path, run_id: str, visitor: str, script: str) -> bool:
    """Delete a web visitor's saved run of *script* if it is still the run *run_id* (a newer run stays)."""
    if not _SAFE.fullmatch(visitor) or not _SAFE.fullmatch(script) or visitor[0] == "." or script[0] == ".":
        return False
    path = data_dir / "selfservice" / "runs" / visitor / f"{script}.json"
    try:
        current = json.loads(path.read_text(encoding="utf-8")).get("run")
    except (OSError, ValueError, AttributeError):
        return False
    if current != run_id:
        return False
    path.unlink(missing_ok=True)
    return True


def cutoffs(settings: PrivacySettings, now: datetime) -> RetentionCutoffs:
    """The time before which each kind is removed (None where the period is 0: kept)."""
    def before(days: int) -> datetime | None:
        return now - timedelta(days=days) if days > 0 else None

    return RetentionCutoffs(recordings=before(settings.recordings_days), voicemail=before(settings.voicemail_days),
                            call_records=before(settings.call_records_days),
                            script_answers=before(settings.script_answers_days),
                            history=before(settings.history_days))


async def run_retention(storage: Any, settings: PrivacySettings, *, clock: Clock = utc_now,
                        dry_run: bool = False) -> RetentionCounts:
    """Remove what is past its period; returns the counts per kind (a dry run only counts)."""
    repo = RetentionRepository(storage.database)
    limits = cutoffs(settings, clock())
    counts = await repo.apply(limits, dry_run=True)
    if dry_run:
        return counts
    for path in counts.files:          # files first: a crash leaves rows that are found again next time
        Path(path).unlink(missing_ok=True)
    for run_id, visitor, script in counts.web_runs:
        if remove_visitor_file(Path(storage.config.data_dir), run_id, visitor, script):
            counts.files.append(f"selfservice/runs/{visitor}/{script}.json")
    done = await repo.apply(limits)
    done.files, done.web_runs = counts.files, counts.web_runs
    log.info("retention: removed %s and %d files", ", ".join(f"{v} {k}" for k, v in done.as_dict().items()),
             len(done.files))
    await audit.append(storage, None, audit.RETENTION, "retention:daily",
                       {**done.as_dict(), "files": len(done.files)})
    return done


__all__ = ["Clock", "cutoffs", "run_retention", "utc_now"]
