"""A report as tables (title, columns, rows) — the one shape the page, the CSV export and tests share."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from caruso.reports.compute import STATES, Report


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "columns": list(self.columns),
                "rows": [list(r) for r in self.rows]}


def _r(x: float) -> float:
    return round(x, 1)


def tables(report: Report) -> list[Table]:
    out = []
    queue_rows = []
    for name, c in sorted(report.queues.items()) + [("(all queues)", report.total)]:
        queue_rows.append((name, c.offered, c.answered, c.abandoned, _r(c.average_abandon_wait), c.transferred,
                           c.overflowed, _r(c.average_wait), _r(c.average_talk), round(c.service_level * 100, 1)))
    out.append(Table("queues", "Inbound calls per queue",
                     ("queue", "offered", "answered", "abandoned", "avg wait before abandon (s)", "transferred",
                      "overflowed", "avg wait (s)", "avg talk (s)", "service level (%)"), tuple(queue_rows)))
    agent_rows = []
    for a in sorted(report.agents.values(), key=lambda a: a.agent):
        agent_rows.append((a.agent, a.answered, _r(a.average_talk), _r(a.average_handle),
                           *(_r(a.state_seconds.get(s, 0.0)) for s in STATES), _r(a.logged_in),
                           round(a.occupancy * 100, 1)))
    out.append(Table("agents", "Agents: calls and time in each state (s)",
                     ("agent", "answered", "avg talk (s)", "avg handle (s)", *STATES, "logged in", "occupancy (%)"),
                     tuple(agent_rows)))
    out.append(Table("voicemail", "Voicemail", ("mailbox", "left", "listened"),
                     tuple((box, left, heard) for box, (left, heard) in sorted(report.voicemail.items()))))
    script_rows = []
    for s in sorted(report.scripts.values(), key=lambda s: s.script):
        for outcome, n in s.outcomes.most_common():
            script_rows.append((s.script, outcome, n, s.runs))
    out.append(Table("script_outcomes", "Script outcomes", ("script", "outcome", "runs", "of all runs"),
                     tuple(script_rows)))
    path_rows = []
    for s in sorted(report.scripts.values(), key=lambda s: s.script):
        for path, n in s.paths.most_common(5):
            path_rows.append((s.script, " → ".join(path), n))
    out.append(Table("script_paths", "Most frequent script paths", ("script", "path", "runs"), tuple(path_rows)))
    return out


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        # a cell starting with = + - @ would be a formula in a spreadsheet: quote it as text
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    return buf.getvalue()
