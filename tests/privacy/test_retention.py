"""Retention with an injected clock: exactly what is past its kind's period goes, the rest stays, reports
keep counting the anonymised remainder; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from caruso.config import PrivacySettings
from caruso.privacy.retention import run_retention
from caruso.reports.compute import compute
from caruso.reports.facts import Period
from caruso.storage.admin_repository import AdminRepository
from caruso.storage.calls_repository import CallRecord, CallsRepository
from caruso.storage.history import ContactEvent
from caruso.storage.reports_repository import ReportsRepository
from caruso.storage.schema import ScriptRun, Voicemail
from caruso.storage.script_runs_repository import ScriptRunRecord, ScriptRunsRepository
from caruso.storage.service import StorageManager
from caruso.storage.users_repository import UsersRepository
from tests.storage.conftest import Backend

NOW = datetime(2027, 6, 1, 3, 30, tzinfo=UTC)
SETTINGS = PrivacySettings(recordings_days=30, voicemail_days=20, call_records_days=100, script_answers_days=50,
                           history_days=200)
AGES = (5, 25, 45, 150, 300)        # days before NOW


async def _seed(storage: StorageManager, tmp: Path) -> dict[int, Path]:
    await AdminRepository(storage.database).save_queue({"name": "billing"})
    calls, runs = CallsRepository(storage.database), ScriptRunsRepository(storage.database)
    files = {}
    for age in AGES:
        at = NOW - timedelta(days=age, minutes=1)
        rec, vm = tmp / f"rec-{age}.wav", tmp / f"vm-{age}.wav"
        rec.write_bytes(b"RIFF"), vm.write_bytes(b"RIFF")
        files[age] = rec
        await calls.save_call(CallRecord(id=f"c{age}", arrived_at=at, queued_at=at, answered_at=at, ended_at=at,
                                         wait_seconds=3.0, talk_seconds=60.0, caller_number=f"+3347200{age:04d}",
                                         queue="billing", outcome="answered", recording_path=str(rec)))
        record = await calls.add_voicemail(mailbox="queue:billing", path=str(vm), duration_seconds=3.0,
                                           caller_number=f"+3347200{age:04d}", call_id=f"c{age}")
        await runs.save(ScriptRunRecord(id=f"r{age}", script="s", script_version="1", host="agent",
                                        status="finished", state={"answers": {"q": "x"}},
                                        trace=[{"step": "a", "answer": "x"}, {"step": "b"}], outcome="ok",
                                        customer=("Customer", "1")))
        async with storage.database.transaction() as s:
            await s.execute(update(Voicemail).where(Voicemail.id == record.id).values(created_at=at))
            await s.execute(update(ScriptRun).where(ScriptRun.id == f"r{age}").values(started_at=at))
        await storage.record_contact(ContactEvent(kind="inbound_call", channel="phone", started_at=at,
                                                  customer=("Customer", "1"), call_id=f"c{age}"))
    for run_id, saved in (("w-old", "w-old"), ("w-replaced", "w-newer")):    # web self-service runs
        visitor = run_id.replace("-", "_") * 4
        path = tmp / "selfservice" / "runs" / visitor / "outage.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"run": saved, "answers": {"q": "x"}}), encoding="utf-8")
        await runs.save(ScriptRunRecord(id=run_id, script="outage", script_version="1", host="web",
                                        status="finished", state={"answers": {"q": "x"}}, trace=[{"step": "a"}],
                                        session=visitor))
        async with storage.database.transaction() as s:
            await s.execute(update(ScriptRun).where(ScriptRun.id == run_id)
                            .values(started_at=NOW - timedelta(days=150)))
    return files


async def _report(storage: StorageManager) -> dict:
    period = Period(NOW - timedelta(days=400), NOW)
    return compute(await ReportsRepository(storage.database).facts(period)).as_dict()


async def test_retention_removes_exactly_what_is_past_its_period(backend: Backend) -> None:
    storage = StorageManager.standalone(backend.config())
    async with storage.lifespan():
        files = await _seed(storage, backend.tmp)
        before = await _report(storage)
        dry = await run_retention(storage, SETTINGS, clock=lambda: NOW, dry_run=True)
        assert dry.as_dict() == {"recordings": 3, "voicemail": 4, "call_records": 2, "script_answers": 4,
                                 "history": 1}
        assert all(p.exists() for p in files.values())

        done = await run_retention(storage, SETTINGS, clock=lambda: NOW)
        assert done.as_dict() == dry.as_dict()
        assert {age for age, p in files.items() if p.exists()} == {5, 25}
        calls = CallsRepository(storage.database)
        for age in AGES:
            call = await calls.get_call(f"c{age}")
            assert call is not None and call.arrived_at == NOW - timedelta(days=age, minutes=1)
            assert (call.recording_path is None) == (age > 30)
            assert (call.caller_number is None) == (age > 100)
        voicemails = {v.call_id: v for v in await calls.voicemails()}
        assert {cid for cid, v in voicemails.items() if v.path == ""} == {"c25", "c45", "c150", "c300"}
        assert not (backend.tmp / "vm-25.wav").exists() and (backend.tmp / "vm-5.wav").exists()
        async with storage.database.session() as s:
            runs = {r.id: r for r in (await s.execute(ScriptRun.__table__.select())).all()}
        assert {rid for rid, r in runs.items() if not r.state} == {"r150", "r300", "w-old", "w-replaced"}
        visitors = backend.tmp / "selfservice" / "runs"
        assert not (visitors / ("w_old" * 4) / "outage.json").exists()          # its answers went
        assert (visitors / ("w_replaced" * 4) / "outage.json").exists()         # holds a newer run: kept
        assert len(done.files) == len(dry.files) + 1
        assert runs["r300"].trace == [{"step": "a"}, {"step": "b"}] and runs["r300"].outcome == "ok"
        history = await storage.timeline(("Customer", "1"), limit=50)
        assert sorted(h.call_id for h in history.items) == ["c150", "c25", "c45", "c5"]
        assert await _report(storage) == before      # reports count the anonymised remainder the same

        again = await run_retention(storage, SETTINGS, clock=lambda: NOW)
        assert again.as_dict() == {k: 0 for k in again.as_dict()}
        later = await run_retention(storage, SETTINGS, clock=lambda: NOW + timedelta(days=10))
        assert later.recordings == 1 and later.voicemail == 0 and later.script_answers == 1
        audit = await UsersRepository(storage.database).list_audit(limit=5)
        assert audit[0].action == "privacy.retention" and audit[0].details["recordings"] == 1


async def test_zero_days_keeps_everything(backend: Backend) -> None:
    storage = StorageManager.standalone(backend.config())
    async with storage.lifespan():
        await _seed(storage, backend.tmp)
        keep = PrivacySettings(recordings_days=0, voicemail_days=0, call_records_days=0, script_answers_days=0,
                               history_days=0)
        counts = await run_retention(storage, keep, clock=lambda: NOW + timedelta(days=3650))
        assert counts.as_dict() == {k: 0 for k in counts.as_dict()}
