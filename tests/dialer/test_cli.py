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
