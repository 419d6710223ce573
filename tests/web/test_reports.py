"""Reports from stored records: figures, CSV, SVG, roles — over the real SQLite schema."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from caruso.storage.schema.acd import Agent, AgentStateLog, Queue
from caruso.storage.schema.calls import Call, Voicemail
from caruso.storage.schema.scripts import ScriptRun
from tests.web.conftest import WebEnv, api_login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def seed(env: WebEnv) -> None:
    async with env.db.transaction() as s:
        s.add_all([Queue(id=1, name="sales", settings={"service_level_seconds": 20}), Queue(id=2, name="support"),
                   Agent(id=1, login="ann"), Agent(id=2, login="ben")])
        await s.flush()
        calls = [
            # id, queue, agent, queued(min), wait s, talk s, outcome
            ("c1", 1, 1, 1, 10, 120, "answered"),
            ("c2", 1, 2, 2, 30, 60, "transferred"),
            ("c3", 1, None, 3, 45, None, "abandoned"),
            ("c4", 2, 1, 4, 5, 30, "answered"),
            ("c5", 2, None, 5, 300, None, "overflow"),
            ("c6", 1, 1, -30, 5, 10, "answered"),        # before the period: not counted
        ]
        for cid, q, a, m, wait, talk, outcome in calls:
            answered = at(m) + timedelta(seconds=wait) if talk is not None else None
            s.add(Call(id=cid, queue_id=q, agent_id=a, arrived_at=at(m), queued_at=at(m), answered_at=answered,
                       ended_at=(answered or at(m)) + timedelta(seconds=(talk or wait)), wait_seconds=wait,
                       talk_seconds=talk, outcome=outcome, caller_number="+33100000000"))
        s.add_all([
            AgentStateLog(agent_id=1, state="ready", started_at=at(-10), ended_at=at(1)),     # clipped to 1 min
            AgentStateLog(agent_id=1, state="busy", started_at=at(1), ended_at=at(3)),
            AgentStateLog(agent_id=1, state="wrap_up", started_at=at(3), ended_at=at(3.5)),
            AgentStateLog(agent_id=1, state="paused", reason="lunch", started_at=at(3.5), ended_at=at(60)),
            AgentStateLog(agent_id=2, state="ready", started_at=at(0), ended_at=None),          # open: to the end
            Voicemail(mailbox="queue:sales", path="/x/1.wav", created_at=at(6), listened=True),
            Voicemail(mailbox="queue:sales", path="/x/2.wav", created_at=at(7)),
            ScriptRun(id="r1", script="sales-call", host="agent", status="finished", outcome="sale",
                      trace=[{"step": "greet"}, {"step": "offer"}, {"step": "close"}], started_at=at(1)),
            ScriptRun(id="r2", script="sales-call", host="agent", status="finished", outcome="no_sale",
                      trace=[{"step": "greet"}, {"step": "close"}], started_at=at(2)),
            ScriptRun(id="r3", script="sales-call", host="agent", status="finished", outcome="sale",
                      trace=[{"step": "greet"}, {"step": "offer"}, {"step": "close"}], started_at=at(3)),
        ])


PERIOD = {"start": at(0).isoformat(), "end": at(60).isoformat()}


async def test_report_figures(web_env: WebEnv) -> None:
    await seed(web_env)
    async with web_env.client() as client:
        await api_login(client, "sam")
        resp = await client.get("/api/reports", params=PERIOD)
        assert resp.status == 200, await resp.text()
        r = await resp.json()
    sales, support, total = r["queues"]["sales"], r["queues"]["support"], r["total"]
    assert (sales["offered"], sales["answered"], sales["abandoned"], sales["transferred"]) == (3, 2, 1, 1)
    assert sales["answered_in_sl"] == 1 and sales["service_level"] == round(1 / 3, 4)
    assert sales["average_wait"] == 20.0 and sales["average_abandon_wait"] == 45.0 and sales["average_talk"] == 90.0
    assert (support["offered"], support["answered"], support["overflowed"]) == (2, 1, 1)
    assert total["offered"] == 5 and total["answered"] == 3
    ann, ben = r["agents"]["ann"], r["agents"]["ben"]
    assert ann["state_seconds"] == {"busy": 120.0, "paused": 3390.0, "ready": 60.0, "wrap_up": 30.0}
    assert ann["answered"] == 2 and ann["average_handle"] == (150 + 30) / 2 and ann["pause_reasons"] == {"lunch": 1}
    assert ben["state_seconds"] == {"ready": 3600.0}
    assert r["voicemail"] == {"queue:sales": {"left": 2, "listened": 1}}
    sc = r["scripts"]["sales-call"]
    assert sc["outcomes"] == {"sale": 2, "no_sale": 1}
    assert sc["top_paths"][0] == {"path": ["greet", "offer", "close"], "runs": 2}


async def test_report_narrowed_to_a_queue_and_csv_and_svg(web_env: WebEnv) -> None:
    await seed(web_env)
    async with web_env.client() as client:
        await api_login(client, "alice")
        r = await (await client.get("/api/reports", params={**PERIOD, "queue": "support"})).json()
        assert list(r["queues"]) == ["support"]
        resp = await client.get("/api/reports/queues.csv", params=PERIOD)
        assert resp.status == 200 and resp.content_type == "text/csv"
        assert "attachment" in resp.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(await resp.text())))
        assert rows[0][:4] == ["queue", "offered", "answered", "abandoned"]
        assert rows[1][:4] == ["sales", "3", "2", "1"] and rows[-1][:3] == ["(all queues)", "5", "3"]
        resp = await client.get("/api/reports/charts/queues.svg", params=PERIOD)
        svg = await resp.text()
        assert resp.content_type == "image/svg+xml" and svg.startswith("<svg") and "sales — answered: 2" in svg
        assert (await client.get("/api/reports/nope.csv", params=PERIOD)).status == 404
        bad = await client.get("/api/reports", params={"start": "yesterday"})
        assert bad.status == 400 and (await bad.json())["details"] == {"field": "start"}


async def test_agents_cannot_read_reports(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        await api_login(client, "bob")
        assert (await client.get("/api/reports", params=PERIOD)).status == 403
        assert (await client.get("/api/reports/queues.csv", params=PERIOD)).status == 403
        assert (await client.get("/reports")).status == 403


def test_csv_cells_cannot_become_formulas() -> None:
    from caruso.reports.tables import Table, to_csv

    text = to_csv(Table("t", "T", ("a", "b"), (("=HYPERLINK(1)", 5),)))
    assert text.splitlines()[1] == "'=HYPERLINK(1),5"
