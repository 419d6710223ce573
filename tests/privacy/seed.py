"""A demo customer with everything Caruso keeps about a person, and a second one that must stay untouched."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from caruso.dialer.codec import spec_from_dict
from caruso.storage.admin_repository import AdminRepository
from caruso.storage.calls_repository import CallRecord, CallsRepository, LegRecord
from caruso.storage.campaign_repository import CampaignRepository, NewContact
from caruso.storage.history import ContactEvent
from caruso.storage.objects import BusinessObject
from caruso.storage.script_runs_repository import ScriptRunRecord, ScriptRunsRepository
from caruso.storage.service import StorageManager

DAY = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)

# distinctive values, so finding one anywhere can only mean it was not erased
SUBJECT = {"firstName": "Eulalie", "lastName": "Quillacq", "phone": "+33472987654", "mobile": "+33698765432",
           "email": "eulalie.quillacq@example.net", "street": "17 impasse Zéphyrine"}
OTHER = {"firstName": "Barnabé", "lastName": "Oustric", "phone": "+33472123987", "email": "b.oustric@example.net"}
NEEDLES = ("Eulalie", "Quillacq", "+33472987654", "0472987654", "33698765432", "0698765432",
           "eulalie.quillacq@example.net", "impasse Zéphyrine", "FR7630006000011234567800Q")


@dataclass
class Seeded:
    subject: BusinessObject
    other: BusinessObject
    recordings: list[Path]
    calls: list[str]


def _wav(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + text.encode())   # the caller's words, as it were
    return path


async def _calls(storage: StorageManager, tmp: Path, who: BusinessObject, number: str, prefix: str,
                 name: str) -> tuple[list[str], list[Path]]:
    calls = CallsRepository(storage.database)
    runs = ScriptRunsRepository(storage.database)
    ids, files = [], []
    for n in range(2):
        call_id = f"{prefix}-call-{n}"
        arrived = DAY + timedelta(hours=n, minutes=len(prefix))
        rec = _wav(tmp / "recordings" / f"{call_id}.wav", f"this is {name} on {number}")
        await calls.save_call(CallRecord(
            id=call_id, arrived_at=arrived, caller_number=number, called_number="+33400000000", queue="billing",
            agent="alice", queued_at=arrived + timedelta(seconds=20), offered_at=arrived + timedelta(seconds=30),
            answered_at=arrived + timedelta(seconds=35), ended_at=arrived + timedelta(minutes=4),
            wait_seconds=15.0 + n, talk_seconds=205.0, hangup_by="caller", outcome="answered",
            recording_path=str(rec),
            legs=(LegRecord(kind="caller", started_at=arrived, peer=number, channel=f"sip-{call_id}"),
                  LegRecord(kind="agent", started_at=arrived, agent="alice", peer="sip:alice@caruso"))))
        ids.append(call_id)
        files.append(rec)
        await runs.save(ScriptRunRecord(
            id=f"{prefix}-run-{n}", script="billing-agent", script_version="1", host="agent", status="finished",
            state={"vars": {"caller": number}, "answers": {"name": name}, "objects": {}},
            trace=[{"step": "greet"}, {"step": "ask", "answer": name}, {"step": "done"}], outcome="solved",
            call_id=call_id, agent="alice", customer=who.ref))
        await storage.record_contact(ContactEvent(
            kind="inbound_call", channel="phone", started_at=arrived, ended_at=arrived + timedelta(minutes=4),
            customer=who.ref, address=number, agent="alice", queue="billing", outcome="resolved",
            summary=f"{name} asked about the bill", detail_kind="recording", detail_ref=str(rec), call_id=call_id))
    vm_file = _wav(tmp / "voicemail" / "queue-billing" / f"{prefix}-vm.wav", f"{name} here, call me on {number}")
    vm = await calls.add_voicemail(mailbox="queue:billing", path=str(vm_file), duration_seconds=7.5,
                                   call_id=ids[0], caller_number=number, queue="billing")
    files.append(vm_file)
    await storage.record_contact(ContactEvent(
        kind="voicemail", channel="phone", started_at=DAY + timedelta(hours=3), customer=who.ref, address=number,
        queue="billing", detail_kind="voicemail", detail_ref=str(vm_file), call_id=ids[0]))
    assert vm.id
    return ids, files


async def seed(storage: StorageManager, tmp: Path) -> Seeded:
    admin = AdminRepository(storage.database)
    await admin.save_queue({"name": "billing"})
    await admin.save_agent({"login": "alice", "name": "Alice", "queues": {"billing": 0}})
    subject = await storage.objects.update("Customer", 2, SUBJECT)
    other = await storage.objects.update("Customer", 3, OTHER)
    contract = (await storage.objects.find("Contract", {"customerId": 2}))[0]
    await storage.objects.update("Contract", contract.key, {"iban": "FR7630006000011234567800Q"})
    await storage.objects.create("Ticket", {"customerId": 2, "subject": "Quillacq: wrong meter reading",
                                            "body": "Mme Eulalie Quillacq says the reading is wrong"})
    calls, files = await _calls(storage, tmp, subject, SUBJECT["phone"], "s", "Eulalie Quillacq")
    _, other_files = await _calls(storage, tmp, other, OTHER["phone"], "o", "Barnabé Oustric")
    await storage.set_consent(subject, "phone", "marketing", "opt_in", source="agent alice", proof="call s-call-0")
    await storage.set_consent(SUBJECT["email"], "email", "marketing", "opt_out", source="web form")
    await storage.request_opt_in(SUBJECT["mobile"], "sms", "service", source="IVR")
    await storage.set_consent(other, "phone", "marketing", "opt_in", source="agent alice")
    visitor = "v" * 30                       # a web self-service run, also kept as the visitor's file
    visitor_file = tmp / "selfservice" / "runs" / visitor / "outage-report.json"
    visitor_file.parent.mkdir(parents=True)
    visitor_file.write_text(json.dumps({"run": "w-run", "answers": {"name": "Eulalie Quillacq"}}), encoding="utf-8")
    await ScriptRunsRepository(storage.database).save(ScriptRunRecord(
        id="w-run", script="outage-report", script_version="1", host="web", status="finished",
        state={"answers": {"phone": SUBJECT["phone"]}}, trace=[{"step": "ask"}], outcome="reported",
        customer=subject.ref, session=visitor))
    files.append(visitor_file)
    campaigns = CampaignRepository(storage.database)
    await campaigns.create(spec_from_dict({"name": "winter", "queue": "billing"}))
    await campaigns.add_contacts("winter", [NewContact(number=SUBJECT["mobile"], customer=subject.ref,
                                                       data={"name": "Eulalie Quillacq"}),
                                            NewContact(number=OTHER["phone"], customer=other.ref)])
    return Seeded(subject, other, files, calls)
