"""Every shipped script validates and runs through its main paths via ``caruso script run``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.script.conftest import DATA, HERE, SCRIPTS

ANONYMOUS = HERE / "data" / "anonymous.json"  # no caller number, no records

WEEKDAY_10AM = "2026-11-23T10:00:00"  # a Monday
SUNDAY_NIGHT = "2026-11-22T23:00:00"


def test_every_shipped_script_validates(cli) -> None:  # type: ignore[no-untyped-def]
    files = sorted(str(p) for p in SCRIPTS.glob("*.xml"))
    assert len(files) >= 4
    code, _, output = cli("script", "validate", *files)
    assert code == 0, output


def _effects(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "effect" and e["effect"] == kind]


CASES = [
    pytest.param("billing-dispute", "agent", [],
                 {"reason": "reading", "ask-reading": 45120, "ask-amount": ["abc", 120], "offer-credit": "yes"},
                 "credited", ["find", "invoke", "create", "email"], id="billing-credit"),
    pytest.param("billing-dispute", "agent", [],
                 {"reason": "tariff", "ask-amount": 900},
                 "escalated", ["find", "invoke", "create", "email"], id="billing-big-amount-escalated"),
    pytest.param("billing-dispute", "agent", ["--customer", "number=C100567"],
                 {"reason": "payment", "ask-amount": 50},
                 "escalated", ["invoke", "create", "email"], id="billing-vip-escalated"),
    pytest.param("move-house", "web", [],
                 {"ask-number": ["12", "999999", "100234"], "ask-street": "8 rue Neuve", "ask-postcode": ["7501", "75012"],
                  "ask-city": "Paris", "ask-date": "2026-12-15", "ask-reading": 51200, "confirm": "yes"},
                 "moved", ["find", "find", "find", "update", "update", "create", "email"], id="move-house-web"),
    pytest.param("move-house", "web", [],
                 {"ask-number": ["999991", "999992", "999993"]},
                 "not-identified", ["find", "find", "find"], id="move-house-unknown-customer"),
    pytest.param("outage-report", "web", ["--data", str(ANONYMOUS)],
                 {"energy": "electricity", "postcode": "75011", "since": "hours", "street": "yes", "contact": ""},
                 "reported", ["email"], id="outage-web-anonymous"),
    pytest.param("outage-report", "agent", ["--customer", "number=C100234"],
                 {"energy": "gas", "gas-smell": "no", "postcode": "75011", "since": "now", "street": "no",
                  "contact": "06 12 34 56 78"},
                 "reported", ["create", "email"], id="outage-agent-known-customer"),
    pytest.param("outage-report", "web", [], {"energy": "gas", "gas-smell": "yes"},
                 "emergency", ["find"], id="outage-gas-emergency"),
    pytest.param("ivr-main", "voice", ["--at", WEEKDAY_10AM], {"language": "2", "menu": "1"},
                 "transferred", ["find", "transfer"], id="ivr-billing-known-caller"),
    pytest.param("ivr-main", "voice", ["--at", WEEKDAY_10AM], {"language": "1", "menu": "3"},
                 "voicemail", ["find", "voicemail"], id="ivr-message"),
    pytest.param("ivr-main", "voice", ["--at", SUNDAY_NIGHT], {"language": "1"},
                 "after-hours", ["find", "voicemail"], id="ivr-closed"),
]


@pytest.mark.parametrize(("script", "channel", "extra", "answers", "outcome", "actions"), CASES)
def test_main_paths(cli, script: str, channel: str, extra: list[str], answers: dict[str, Any],  # type: ignore[no-untyped-def]
                    outcome: str, actions: list[str]) -> None:
    code, events, output = cli("script", "run", str(SCRIPTS / f"{script}.xml"), "--channel", channel,
                               "--data", str(DATA), *extra, answers=answers)
    assert code == 0, output
    end = events[-1]
    assert end["event"] == "end" and end["outcome"] == outcome, output
    kinds = [e["effect"] for e in events if e["event"] == "effect" and e["effect"] != "set"]
    assert kinds == actions
    steps = [e["step"] for e in events if e["event"] == "step"]
    assert end["path"] == steps


def test_bad_answers_are_refused_and_asked_again(cli) -> None:  # type: ignore[no-untyped-def]
    code, events, _ = cli("script", "run", str(SCRIPTS / "move-house.xml"), "--channel", "web", "--data", str(DATA),
                          answers={"ask-number": "100234", "ask-street": "8 rue Neuve",
                                   "ask-postcode": ["abc", "75012"], "ask-city": "Paris",
                                   "ask-date": ["15/12/2026", "2026-12-15"], "ask-reading": "", "confirm": "yes"})
    assert code == 0
    invalid = [e for e in events if e["event"] == "invalid"]
    assert [(e["step"], e["message"]) for e in invalid] == [
        ("ask-postcode", "A postcode has five digits."),
        ("ask-date", "Please give a date as YYYY-MM-DD.")]
    email = _effects(events, "email")[0]
    assert email["to"] == ["claire.martin@example.org"]
    assert "8 rue Neuve, 75012 Paris on 2026-12-15" in email["body"]


def test_the_ivr_speaks_audio_with_a_tts_fallback_and_lists_dtmf_keys(cli) -> None:  # type: ignore[no-untyped-def]
    code, events, _ = cli("script", "run", str(SCRIPTS / "ivr-main.xml"), "--channel", "voice", "--data", str(DATA),
                          "--at", WEEKDAY_10AM, answers={"language": "1", "menu": "2"})
    lookup, first = events[0], events[1]
    assert lookup == {"event": "effect", "effect": "find", "object": "customer", "class": "Customer", "by": "phone",
                      "value": "+33140000001", "lookup": True}
    assert first["audio"] == [{"src": "prompts/welcome-language.wav",
                               "text": "Bienvenue chez Utility. Pour le français, tapez 1. For English, press 2."}]
    assert [(c["key"], c["value"]) for c in first["input"]["choices"]] == [("1", "fr"), ("2", "en")]
    assert _effects(events, "transfer")[0]["queue"] == "outage"


def test_a_failing_service_follows_the_error_path(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "down.json"
    data.write_text(DATA.read_text().replace('"erp.balance": {"amount": 182.4, "overdue": 1}',
                                             '"erp.balance": {"error": "ERP unreachable"}'))
    code, events, _ = cli("script", "run", str(SCRIPTS / "billing-dispute.xml"), "--data", str(data),
                          answers={"reason": "other", "ask-amount": 20, "offer-credit": "no"})
    assert code == 0
    steps = [e["step"] for e in events if e["event"] == "step"]
    assert "no-balance" in steps
    notice = next(e for e in events if e["event"] == "step" and e["step"] == "no-balance")
    assert "ERP unreachable" in notice["text"]
    assert events[-1]["outcome"] == "escalated"


def test_missing_answers_stop_the_run_with_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    code, events, _ = cli("script", "run", str(SCRIPTS / "outage-report.xml"), "--data", str(DATA),
                          answers={"energy": "gas"})
    assert code == 2
    assert events[-1] == {"event": "stuck", "step": "gas-smell", "message": "no answer left for this step"}


def test_graph_draws_steps_and_conditions(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "g.dot"
    code, _, _ = cli("script", "graph", str(SCRIPTS / "billing-dispute.xml"), "-o", str(out))
    assert code == 0
    dot = out.read_text()
    assert '"check-amount" -> "escalate" [label="amount > 500 or customer.vip"]' in dot
    assert '"fetch-balance" -> "no-balance" [style=dashed' in dot


def test_run_for_a_customer_of_the_database(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--customer without --data reads the configured database (SQLite with the demo data here); what
    the script would write is only printed."""
    config = tmp_path / "caruso.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path / "var"}"\ndemo = true\n')
    code, events, output = cli("--config", str(config), "script", "run", str(SCRIPTS / "billing-dispute.xml"),
                               "--customer", "number=C100002",
                               answers={"reason": "tariff", "ask-amount": 80, "offer-credit": "no"})
    assert code == 0, output
    summary = next(e for e in events if e["event"] == "step" and e["step"] == "summary")
    assert summary["text"].startswith("M. Jean Bernard, customer C100002. Contract K200002: Gaz Confort")
    assert events[-1]["outcome"] == "escalated"
    email = next(e for e in events if e["event"] == "effect" and e["effect"] == "email")
    assert email["to"] == ["jean.bernard@example.org"]


def test_graph_as_svg(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    if shutil.which("dot") is None:
        pytest.fail("caruso script graph -o X.svg needs Graphviz's dot: apt-get install graphviz")
    out = tmp_path / "g.svg"
    code, _, output = cli("script", "graph", str(SCRIPTS / "ivr-main.xml"), "-o", str(out), "--channel", "voice")
    assert code == 0, output
    svg = out.read_text()
    assert "<svg" in svg and "queue billing" in svg


def test_interactive_run_reads_answers_from_the_terminal(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("gas\n<\nelectricity\n7501\n75011\nnow\nno\n\n"))
    code, events, output = cli("script", "run", str(SCRIPTS / "outage-report.xml"), "--channel", "web",
                               "--data", str(ANONYMOUS))
    assert code == 0, output
    asked = [e["step"] for e in events if e["event"] == "step" and e["kind"] == "question"]
    assert asked == ["energy", "gas-smell", "energy", "postcode", "since", "street", "contact"]
    assert [e["message"] for e in events if e["event"] == "invalid"] == ["A postcode has five digits."]
    assert events[-1]["outcome"] == "reported"
    assert "Since when?" in output  # the texts are shown to the person at the terminal
