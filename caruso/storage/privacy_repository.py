"""Where the system schema holds one person's data, and its erasure there (for caruso/privacy).

``holdings(identity)`` finds every row that still holds the person's data, in the order of SYSTEM_KINDS;
``erase(kind, ids, identity)`` removes or masks those rows.  Both only touch what is not erased yet, so an
erasure run again (after an interruption, or twice) finds nothing left where it had already finished.
Business objects are not handled here: the privacy package uses the storage manager's object API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select, update

from caruso.privacy.model import HeldItem, Identity, jsonable
from caruso.storage.database import Database
from caruso.storage.phone import number_variants
from caruso.storage.schema.calls import Call, CallLeg, Voicemail
from caruso.storage.schema.campaigns import Callback, CampaignAttempt, CampaignContact
from caruso.storage.consent import address_hash
from caruso.storage.schema.contacts import ConsentRow, ContactHistoryRow, Suppression
from caruso.storage.schema.scripts import ScriptRun

_FILE_DETAILS = ("recording", "voicemail")


def variants(identity: Identity, country: str) -> list[str]:
    """Every written form of the person's numbers (stored numbers came from switches, CSV files, people)."""
    out: list[str] = []
    for number in identity.numbers:
        try:
            out.extend(number_variants(number, country))
        except ValueError:
            out.append(number)
    return list(dict.fromkeys(out))


def _row(row: Any) -> dict[str, Any]:
    return {c.key: jsonable(getattr(row, c.key)) for c in row.__table__.columns}


def _customer(table: Any, identity: Identity) -> Any:
    parts = [(table.customer_object == obj) & (table.customer_key == key) for obj, key in identity.customers]
    return or_(*parts) if parts else None


def _any(*conditions: Any) -> Any:
    kept = [c for c in conditions if c is not None]
    return or_(*kept) if kept else None


def _in(column: Any, values: Sequence[Any]) -> Any:
    return column.in_(list(values)) if values else None


def _script_needs_erasure(run: ScriptRun) -> bool:
    steps_only = all(isinstance(t, dict) and set(t) <= {"step"} for t in run.trace or [])
    return bool(run.customer_object or run.state or run.session or not steps_only)


class PrivacyRepository:
    def __init__(self, db: Database, *, country: str = "FR") -> None:
        self.db = db
        self.country = country

    # finding -------------------------------------------------------------------------------------
    async def holdings(self, identity: Identity) -> list[HeldItem]:
        numbers = variants(identity, self.country)
        addresses = numbers + list(identity.emails)
        items: list[HeldItem] = []
        async with self.db.session() as s:
            calls = (await s.scalars(select(Call).where(_any(
                _customer(Call, identity), _in(Call.caller_number, numbers), _in(Call.called_number, numbers),
            ) if identity.customers or numbers else Call.id.is_(None)))).all()
            call_ids = [c.id for c in calls]
            if numbers or call_ids:
                for vm in (await s.scalars(select(Voicemail).where(
                        _any(_in(Voicemail.caller_number, numbers), _in(Voicemail.call_id, call_ids)),
                        or_(Voicemail.path != "", Voicemail.caller_number.is_not(None))))).all():
                    items.append(HeldItem("voicemails", str(vm.id), _row(vm), (vm.path,) if vm.path else (),
                                          "mask"))
            cond = _any(_customer(ScriptRun, identity), _in(ScriptRun.call_id, call_ids))
            if cond is not None:
                for run in (await s.scalars(select(ScriptRun).where(cond))).all():
                    if _script_needs_erasure(run):
                        items.append(HeldItem("script_runs", run.id, _row(run), (), "mask"))
            cond = _any(_customer(ContactHistoryRow, identity), _in(ContactHistoryRow.address, addresses),
                        _in(ContactHistoryRow.call_id, call_ids))
            if cond is not None:
                for h in (await s.scalars(select(ContactHistoryRow).where(cond))).all():
                    files = (h.detail_ref,) if h.detail_kind in _FILE_DETAILS and h.detail_ref and \
                        "/" in h.detail_ref else ()
                    items.append(HeldItem("contact_history", str(h.id), _row(h), files, "delete"))
            legs: dict[str, list[dict[str, Any]]] = {}
            if call_ids:
                for leg in (await s.scalars(select(CallLeg).where(CallLeg.call_id.in_(call_ids))
                                            .order_by(CallLeg.id))).all():
                    legs.setdefault(leg.call_id, []).append(_row(leg))
            for c in calls:
                items.append(HeldItem("calls", c.id, {**_row(c), "legs": legs.get(c.id, [])},
                                      (c.recording_path,) if c.recording_path else (), "mask"))
            cond = _any(_customer(ConsentRow, identity), _in(ConsentRow.address, addresses))
            if cond is not None:
                for r in (await s.scalars(select(ConsentRow).where(cond))).all():
                    items.append(HeldItem("consents", str(r.id), _row(r), (), "delete"))
            contacts = []
            cond = _any(_customer(CampaignContact, identity), _in(CampaignContact.number, numbers))
            if cond is not None:
                contacts = (await s.scalars(select(CampaignContact).where(cond))).all()
            contact_ids = [c.id for c in contacts]
            cond = _any(_in(CampaignAttempt.number, numbers), _in(CampaignAttempt.contact_id, contact_ids))
            if cond is not None:
                for a in (await s.scalars(select(CampaignAttempt).where(cond, CampaignAttempt.number != ""))).all():
                    items.append(HeldItem("campaign_attempts", str(a.id), _row(a), (), "mask"))
            for c in contacts:
                items.append(HeldItem("campaign_contacts", str(c.id), _row(c), (), "mask"))
            cond = _any(_customer(Callback, identity), _in(Callback.number, numbers))
            if cond is not None:
                for cb in (await s.scalars(select(Callback).where(cond))).all():
                    items.append(HeldItem("callbacks", str(cb.id), _row(cb), (), "mask"))
        return items

    async def scrub(self) -> None:
        """Make erased values unreadable in the database files too.

        SQLite keeps deleted and overwritten cells in free pages and the write-ahead log: VACUUM rebuilds
        the file without them, a TRUNCATE checkpoint empties the log.  (PostgreSQL reuses dead tuples'
        space after its autovacuum; its files are outside Caruso's data directory.)
        """
        if self.db.dialect != "sqlite":
            return
        async with self.db.connect(commit=False) as conn:
            raw = await conn.driver_connection()
            await raw.execute("VACUUM")
            await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # erasing -------------------------------------------------------------------------------------
    async def erase(self, kind: str, ids: Sequence[str], identity: Identity) -> int:
        """Remove or mask the rows *ids* of *kind* (one transaction); returns how many were changed."""
        if not ids:
            return 0
        numbers = variants(identity, self.country)
        handler = getattr(self, f"_erase_{kind}")
        async with self.db.transaction() as s:
            return int(await handler(s, list(ids), numbers))

    async def _erase_voicemails(self, s: Any, ids: list[str], _numbers: list[str]) -> int:
        result = await s.execute(update(Voicemail).where(Voicemail.id.in_([int(i) for i in ids]))
                                 .values(path="", caller_number=None))
        return result.rowcount

    async def _erase_script_runs(self, s: Any, ids: list[str], _numbers: list[str]) -> int:
        rows = (await s.scalars(select(ScriptRun).where(ScriptRun.id.in_(ids)))).all()
        for run in rows:
            run.state = {}
            run.trace = [{"step": t["step"]} for t in run.trace or [] if isinstance(t, dict) and "step" in t]
            run.customer_object = run.customer_key = run.session = None
            if run.status == "running":
                run.status = "aborted"
        return len(rows)

    async def _erase_contact_history(self, s: Any, ids: list[str], _numbers: list[str]) -> int:
        result = await s.execute(delete(ContactHistoryRow).where(ContactHistoryRow.id.in_([int(i) for i in ids])))
        return result.rowcount

    async def _erase_calls(self, s: Any, ids: list[str], numbers: list[str]) -> int:
        await mask_calls(s, ids)
        return len(ids)

    async def _erase_consents(self, s: Any, ids: list[str], _numbers: list[str]) -> int:
        result = await s.execute(delete(ConsentRow).where(ConsentRow.id.in_([int(i) for i in ids])))
        return result.rowcount

    async def _erase_campaign_attempts(self, s: Any, ids: list[str], _numbers: list[str]) -> int:
        result = await s.execute(update(CampaignAttempt).where(CampaignAttempt.id.in_([int(i) for i in ids]))
                                 .values(number=""))
        return result.rowcount

    async def _erase_campaign_contacts(self, s: Any, ids: list[str], _numbers: list[str]) -> int:
        rows = (await s.scalars(select(CampaignContact).where(CampaignContact.id.in_([int(i) for i in ids])))).all()
        for c in rows:
            c.number, c.customer_object, c.customer_key, c.data = "", None, None, {}
            if c.status in ("pending", "callback", "in_progress"):
                c.status = "do_not_call"
        return len(rows)

    async def _erase_callbacks(self, s: Any, ids: list[str], _numbers: list[str]) -> int:
        rows = (await s.scalars(select(Callback).where(Callback.id.in_([int(i) for i in ids])))).all()
        for cb in rows:
            cb.number, cb.note, cb.customer_object, cb.customer_key = "", None, None, None
            if cb.status == "pending":
                cb.status = "cancelled"
        return len(rows)


async def suppressed_among(session: Any, numbers: Sequence[str], channel: str = "phone") -> set[str]:
    """Which of *numbers* (as given) are on the suppression list for *channel* or every channel.

    A number is looked up as written and in E.164, so a list in national format still meets the hash an
    erasure kept.  Campaign imports drop these (an erased person is never re-imported).
    """
    forms: dict[str, str] = {}
    for number in numbers:
        for form in {number.strip(), *_e164(number)}:
            forms[address_hash(form)] = number
    if not forms:
        return set()
    hashes = list(forms)
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        rows = (await session.scalars(select(Suppression.hash).where(
            Suppression.hash.in_(hashes[start:start + 500]),
            or_(Suppression.channel.is_(None), Suppression.channel == channel)))).all()
        found.update(forms[h] for h in rows)
    return found


def _e164(number: str) -> list[str]:
    try:
        return number_variants(number)[:1]
    except ValueError:
        return []


async def mask_calls(s: Any, ids: Sequence[str]) -> None:
    """Keep a call's times, queue, agent and outcome (reports); drop who called and what was said."""
    ids = list(ids)
    await s.execute(update(Call).where(Call.id.in_(ids)).values(
        caller_number=None, caller_name=None, called_number=None, customer_object=None, customer_key=None,
        recording_path=None, transferred_to=None))
    await s.execute(update(CallLeg).where(CallLeg.call_id.in_(ids), CallLeg.kind != "agent")
                    .values(peer=None, channel=None))


__all__ = ["PrivacyRepository", "mask_calls", "suppressed_among", "variants"]
