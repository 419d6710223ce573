"""Erasure of a demo customer with calls, voicemail, script runs, consent records, history and a campaign
entry, on SQLite and PostgreSQL: nothing of theirs left in any table or file, reports unchanged, never
contacted or imported again, a second run changes nothing, an interrupted run finishes when run again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caruso.privacy.erasure import erase, execute
from caruso.privacy.errors import PrivacyError, SubjectNotFound
from caruso.privacy.planner import Selector, plan
from caruso.reports.compute import compute
from caruso.reports.facts import Period
from caruso.storage.campaign_repository import CampaignRepository, NewContact
from caruso.storage.privacy_repository import PrivacyRepository
from caruso.storage.reports_repository import ReportsRepository
from caruso.storage.service import StorageManager
from caruso.storage.users_repository import UsersRepository
from tests.privacy.dump import dump, found_in_dump, found_in_files
from tests.privacy.seed import DAY, NEEDLES, OTHER, SUBJECT, Seeded
from tests.storage.conftest import Backend

PERIOD = Period(DAY - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))   # voicemails are "now"


async def _report(storage: StorageManager) -> dict:
    period = PERIOD
    return compute(await ReportsRepository(storage.database).facts(period)).as_dict()


async def test_erase_removes_every_trace(demo: StorageManager, seeded: Seeded, backend: Backend) -> None:
    before_report = await _report(demo)
    assert before_report["total"] and before_report["voicemail"]["queue:billing"]["left"] == 2
    assert found_in_dump(await dump(demo), NEEDLES), "the seed must put the needles in the database"
    assert found_in_files(backend.tmp, ("Quillacq",)), "and in files"

    selector = Selector.parse(f"phone={SUBJECT['phone']}", "Customer")
    dry = await erase(demo, selector, dry_run=True, actor="admin")
    assert found_in_dump(await dump(demo), NEEDLES), "a dry run changes nothing"
    assert all(p.exists() for p in seeded.recordings)

    report = await erase(demo, selector, actor="admin")
    assert report.places == dry.places and report.files == dry.files and not report.dry_run
    assert report.places["calls"]["count"] == 2 and report.places["voicemails"]["count"] == 1
    assert report.places["script_runs"]["count"] == 3 and report.places["consents"]["count"] == 3
    assert report.places["contact_history"]["count"] == 3 and report.places["campaign_contacts"]["count"] == 1
    assert report.places["object:Customer"]["count"] == 1 and report.places["object:Ticket"]["count"] >= 1
    assert report.files == 4 and report.suppressed == 3
    assert report.customers == ["Customer:2"]

    leftovers = found_in_dump(await dump(demo), NEEDLES) + found_in_files(backend.tmp, NEEDLES)
    assert leftovers == []
    assert not any(p.exists() for p in seeded.recordings)
    # the other customer is untouched
    assert found_in_dump(await dump(demo), (OTHER["lastName"], OTHER["phone"]))
    assert (backend.tmp / "recordings" / "o-call-0.wav").exists()
    assert (await demo.objects.get("Customer", 3))["lastName"] == OTHER["lastName"]
    # the customer row stays for contracts and statistics, without personal data
    kept = await demo.objects.get("Customer", 2)
    assert kept["number"] == seeded.subject["number"] and kept["lastName"] == "erased" and kept["phone"] is None

    assert await _report(demo) == before_report          # reports for the period still add up
    for number in (SUBJECT["phone"], SUBJECT["mobile"], "04 72 98 76 54"):
        assert not await demo.may_contact(number, "phone", "service")
    assert not await demo.may_contact(SUBJECT["email"], "email", "service")
    campaigns = CampaignRepository(demo.database)
    info = await campaigns.get("winter")
    before = sum((await campaigns.contact_counts(info.id)).values())
    added = await campaigns.add_contacts("winter", [NewContact(number=SUBJECT["phone"]),
                                                    NewContact(number="0698765432"),
                                                    NewContact(number="+33472555000")])
    assert added == 1 and sum((await campaigns.contact_counts(info.id)).values()) == before + 1

    again = await erase(demo, selector, actor="admin")          # a re-run is a no-op
    assert again.nothing_to_do and again.places == {}
    by_number = await erase(demo, Selector.parse(f"number={seeded.subject['number']}", "Customer"))
    assert by_number.nothing_to_do
    audit = await UsersRepository(demo.database).list_audit(limit=10)
    actions = [e.action for e in audit]
    assert actions.count("privacy.erase") == 3 and "privacy.erase_dry_run" in actions
    stored = next(e for e in reversed(audit) if e.action == "privacy.erase")
    assert stored.details["places"]["calls"]["count"] == 2 and stored.target_id == "2"
    assert not found_in_dump({"audit": [str(e.details) for e in audit]}, NEEDLES)


async def test_interrupted_erasure_finishes_when_run_again(demo: StorageManager, seeded: Seeded,
                                                          backend: Backend) -> None:
    selector = Selector.parse(f"email={SUBJECT['email']}", "Customer")
    full = await plan(demo, selector)
    half = type(full)(full.identity, [], [i for i in full.system if i.kind in ("voicemails", "script_runs")])
    await execute(demo, half)                         # "crashed" after the first places
    assert found_in_dump(await dump(demo), NEEDLES)
    report = await erase(demo, selector)
    assert "voicemails" not in report.places and "calls" in report.places
    assert found_in_dump(await dump(demo), NEEDLES) + found_in_files(backend.tmp, NEEDLES) == []


async def test_erase_a_number_nobody_in_the_crm_has(demo: StorageManager, seeded: Seeded) -> None:
    await demo.objects.update("Customer", 3, {"phone": None})         # the calls stay, the CRM forgot them
    report = await erase(demo, Selector.parse(f"phone={OTHER['phone']}", "Customer"))
    assert report.customers == [] and report.places["calls"]["count"] == 2
    assert not await PrivacyRepository(demo.database).holdings(
        (await plan(demo, Selector.parse(f"phone={OTHER['phone']}", "Customer"))).identity)


async def test_bad_selectors(demo: StorageManager) -> None:
    with pytest.raises(PrivacyError, match="ATTR=VALUE"):
        Selector.parse("Quillacq", "Customer")
    with pytest.raises(SubjectNotFound):
        await plan(demo, Selector.parse("number=C-nobody", "Customer"))
    with pytest.raises(PrivacyError, match="unknown|no attribute|lastname"):
        await plan(demo, Selector.parse("lastname=x", "Customer"))
