"""``caruso acd simulate`` prints the figures the issue lists, as JSON or text."""

from __future__ import annotations

import json

import pytest

from caruso.cli.main import main


def test_simulate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["acd", "simulate", "--agents", "5", "--calls-per-hour", "60", "--handle-time", "180",
                 "--patience", "60", "--strategy", "round_robin", "--hours", "20", "--seed", "3", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("offered", "answered", "abandoned", "service_level", "average_speed_of_answer", "occupancy",
                "ewt_mean_abs_error"):
        assert key in data
    assert data["offered"] > 1000 and data["abandoned"] > 0
    assert data["answered"] + data["abandoned"] <= data["offered"]
    assert 0 < data["occupancy"] < 1 and data["settings"]["strategy"] == "round_robin"


def test_simulate_text_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["acd", "simulate", "--agents", "3", "--calls-per-hour", "30", "--handle-time", "120",
                 "--hours", "2"]) == 0
    assert "average speed of answer" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["acd", "simulate", "--agents", "0", "--calls-per-hour", "30", "--handle-time", "120"])
    assert "is not > 0" in capsys.readouterr().err
