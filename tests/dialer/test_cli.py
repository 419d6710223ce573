"""``caruso dialer simulate`` prints the figures the pacer achieved."""

from __future__ import annotations

import json

import pytest

from caruso.cli.main import main


def test_simulate_prints_json_figures(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dialer", "simulate", "--agents", "10", "--answer-rate", "40", "--handle-time", "120",
                 "--wrap-up", "10", "--mode", "progressive", "--hours", "0.5", "--seed", "3", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["params"]["answer_rate"] == 0.4 and data["params"]["mode"] == "progressive"
    assert data["dialed"] >= data["answered"] >= data["connected"] > 0
    assert data["abandoned"] == 0 and 0 < data["occupancy"] < 1
    assert data["idle_between_calls"] > 0


def test_simulate_refuses_an_unlawful_cap(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dialer", "simulate", "--agents", "5", "--answer-rate", "0.3", "--mode", "predictive",
                 "--abandon-cap", "0.05", "--hours", "0.1"])
    assert code == 1
    assert "abandon_cap" in capsys.readouterr().err


def test_campaigns_create_import_start_pause_stop_status(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    config = tmp_path / "caruso.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path}"\n[storage]\nurl = "sqlite+aiosqlite:///{tmp_path}/c.db"\n')
    contacts = tmp_path / "list.csv"
    contacts.write_text("number;name;timezone\n01 42 68 53 01;Roux;\n+12125550123;Smith;America/New_York\n"
                        "not a number;Bad;\n")

    def cli(*args: str) -> tuple[int, str]:
        code = main(["--config", str(config), "campaigns", *args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    assert cli("create", "spring", "--mode", "progressive", "--queue", "sales", "--window", "09:00-19:00",
               "--window", "10:00-16:00@5", "--max-attempts", "2")[0] == 0
    code, out = cli("create", "bad", "--mode", "predictive", "--queue", "sales")
    assert code == 1 and "identification_message" in out
    code, out = cli("import", "spring", str(contacts))
    assert code == 1 and "2 contact(s) added" in out and "list.csv:4" in out
    assert cli("start", "spring") == (0, "campaign 'spring': running\n")
    assert cli("pause", "spring")[1] == "campaign 'spring': paused\n"
    code, out = cli("status", "spring", "--json")
    data = json.loads(out)
    assert data["status"] == "paused" and data["progress"]["remaining"] == 2
    assert data["settings"]["calling_windows"][1] == {"start": "10:00", "end": "16:00", "days": [5]}
    assert data["settings"]["retry"]["max_attempts"] == 2
    assert cli("stop", "spring")[0] == 0
    code, out = cli("pause", "spring")
    assert code == 1 and "stopped: it cannot pause" in out
    code, out = cli("list")
    assert out.startswith("spring") and "stopped" in out
