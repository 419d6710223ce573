"""A campaign's contact list from a CSV file: a ``number`` column (any national or international form),
optional ``customer_object``/``customer_key``, ``timezone``, ``priority``; other columns are kept as data
shown to the agent.  Pure: parses text, reports bad rows by line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from caruso.storage.campaign_repository import NewContact
from caruso.storage.phone import normalise_number

_KNOWN = {"number", "customer_object", "customer_key", "timezone", "priority"}


@dataclass
class ParsedContacts:
    contacts: list[NewContact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_contacts(text: str, *, country: str = "FR", file: str = "<csv>") -> ParsedContacts:
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.splitlines()[0].count) if sample.strip() else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    out = ParsedContacts()
    if not reader.fieldnames or "number" not in reader.fieldnames:
        out.problems.append(f"{file}:1: needs a 'number' column (found: {', '.join(reader.fieldnames or [])})")
        return out
    for line, row in enumerate(reader, start=2):
        try:
            number = normalise_number(row.get("number") or "", country)
            priority = int(row.get("priority") or 0)
        except ValueError as exc:
            out.problems.append(f"{file}:{line}: {exc}")
            continue
        obj, key = (row.get("customer_object") or "").strip(), (row.get("customer_key") or "").strip()
        data = {k: v for k, v in row.items() if k not in _KNOWN and k is not None and v not in (None, "")}
        out.contacts.append(NewContact(number, (obj, key) if obj and key else None,
                                       (row.get("timezone") or "").strip() or None, priority, data))
    return out
