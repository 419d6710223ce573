"""Retention in the system schema: what is older than its kind's period, and its removal (for caruso/privacy).

Each kind is removed so that reports keep working on what is left: calls and voicemails stay as rows
(times, queue, agent, outcome) without numbers or audio, script runs keep their steps and outcome.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select, update

from caruso.privacy.model import RetentionCounts, RetentionCutoffs
from caruso.storage.database import Database
from caruso.storage.privacy_repository import mask_calls
from caruso.storage.schema.calls import Call, Voicemail
from caruso.storage.schema.contacts import ContactHistoryRow
from caruso.storage.schema.scripts import ScriptRun

_BATCH = 500


class RetentionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def apply(self, cutoffs: RetentionCutoffs, *, dry_run: bool = False) -> RetentionCounts:
        """Remove (or with *dry_run* only count) what each kind holds from before its cut-off.

        ``files`` lists the audio files those rows point at.  Callers run a dry run first, delete its files,
        then apply: a crash in between leaves rows pointing at missing files (found again next time), never
        files no row points at any more.
        """
        counts = RetentionCounts()
        if cutoffs.recordings is not None:
            rows = await self._all(select(Call.id, Call.recording_path).where(
                Call.recording_path.is_not(None), Call.arrived_at < cutoffs.recordings))
            counts.recordings = len(rows)
            counts.files += [path for _, path in rows if path]
            if not dry_run and rows:
                await self._each([i for i, _ in rows], lambda s, ids: s.execute(
                    update(Call).where(Call.id.in_(ids)).values(recording_path=None)))
        if cutoffs.voicemail is not None:
            rows = await self._all(select(Voicemail.id, Voicemail.path).where(
                Voicemail.created_at < cutoffs.voicemail,
                or_(Voicemail.path != "", Voicemail.caller_number.is_not(None))))
            counts.voicemail = len(rows)
            counts.files += [path for _, path in rows if path]
            if not dry_run and rows:
                await self._each([i for i, _ in rows], lambda s, ids: s.execute(
                    update(Voicemail).where(Voicemail.id.in_(ids)).values(path="", caller_number=None)))
        if cutoffs.call_records is not None:
            rows = await self._all(select(Call.id, Call.recording_path).where(
                Call.arrived_at < cutoffs.call_records, or_(
                Call.caller_number.is_not(None), Call.called_number.is_not(None), Call.caller_name.is_not(None),
                Call.customer_key.is_not(None), Call.recording_path.is_not(None))))
            counts.call_records = len(rows)
            counts.files += [path for _, path in rows if path]
            if not dry_run and rows:
                await self._each([r[0] for r in rows], mask_calls)
        if cutoffs.script_answers is not None:
            found = await self._all(select(ScriptRun.id, ScriptRun.state, ScriptRun.trace, ScriptRun.session,
                                           ScriptRun.customer_key, ScriptRun.host, ScriptRun.script).where(
                ScriptRun.started_at < cutoffs.script_answers, ScriptRun.status != "running"))
            due = [r for r in found if r[1] or r[3] or r[4] or any(
                not isinstance(t, dict) or set(t) - {"step"} for t in r[2] or [])]
            ids = [r[0] for r in due]
            counts.script_answers = len(ids)
            counts.web_runs = [(r[0], r[3], r[6]) for r in due if r[5] == "web" and r[3]]
            if not dry_run and ids:
                await self._each(ids, _strip_runs)
        if cutoffs.history is not None:
            async with self.db.session() as s:
                counts.history = int(await s.scalar(select(func.count()).select_from(ContactHistoryRow).where(
                    ContactHistoryRow.started_at < cutoffs.history)) or 0)
            if not dry_run and counts.history:
                async with self.db.transaction() as s:
                    await s.execute(delete(ContactHistoryRow).where(ContactHistoryRow.started_at < cutoffs.history))
        return counts

    async def _all(self, query: Any) -> list[Any]:
        async with self.db.session() as s:
            return list((await s.execute(query)).all())

    async def _each(self, ids: list[Any], work: Any) -> None:
        for start in range(0, len(ids), _BATCH):
            async with self.db.transaction() as s:
                await work(s, ids[start:start + _BATCH])


async def _strip_runs(s: Any, ids: list[str]) -> None:
    for run in (await s.scalars(select(ScriptRun).where(ScriptRun.id.in_(ids)))).all():
        run.state = {}
        run.trace = [{"step": t["step"]} for t in run.trace or [] if isinstance(t, dict) and "step" in t]
        run.customer_object = run.customer_key = run.session = None


__all__ = ["RetentionRepository"]
