"""``caruso queues`` and ``caruso agents`` on a real SQLite database, then loaded by the ACD."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from caruso.acd import Strategy
from caruso.cli.main import main
from caruso.config import load_config
from caruso.storage.acd_repository import AcdRepository
from caruso.storage.service import StorageManager


@pytest.fixture
def config_file(tmp_path: Path) -> str:
    path = tmp_path / "caruso.toml"
    path.write_text(f'[server]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    return str(path)


def cli(config_file: str, *args: str) -> int:
    return main(["--config", config_file, *args])


def loaded(config_file: str):
    async def load():
        storage = StorageManager.standalone(load_config(config_file))
        async with storage.lifespan():
            return await AcdRepository(storage.database).load()
    return asyncio.run(load())


def test_queues_and_agents_from_the_command_line(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(config_file, "queues", "add", "billing", "--strategy", "fewest_calls", "--skill", "billing=60",
               "--set", "max_wait=300", "--set", "overflow=voicemail:billing",
               "--set", "relaxation=[[30, 40], [60, 1]]") == 0
    assert cli(config_file, "queues", "add", "outage", "--strategy", "ring_all") == 0
    assert cli(config_file, "agents", "add", "alice", "--name", "Alice", "--extension", "sip:alice@pbx",
               "--skill", "billing=80", "--queue", "billing", "--queue", "outage=2", "--wrap-up", "20", "--order", "3") == 0
    assert cli(config_file, "agents", "join", "alice", "vip", "--penalty", "1") == 1   # no such queue
    assert "no queue 'vip'" in capsys.readouterr().err
    assert cli(config_file, "agents", "leave", "alice", "outage") == 0
    capsys.readouterr()
    assert cli(config_file, "agents", "list", "--json") == 0
    (alice,) = json.loads(capsys.readouterr().out)
    assert alice["skills"] == {"billing": 80} and alice["queues"] == {"billing": 0}

    queues, agents = loaded(config_file)
    billing = next(q for q in queues if q.id == "billing")
    assert billing.strategy is Strategy.FEWEST_CALLS and billing.max_wait == 300.0
    assert billing.overflow.target == "billing" and [r.min_level for r in billing.relaxation] == [40, 1]
    (agent,) = agents
    assert agent.phone == "sip:alice@pbx" and agent.wrap_up == 20.0 and agent.queues[0].order == 3

    assert cli(config_file, "queues", "update", "billing", "--unset", "max_wait", "--set", "weight=2") == 0
    queues, _ = loaded(config_file)
    billing = next(q for q in queues if q.id == "billing")
    assert billing.max_wait is None and billing.weight == 2.0 and billing.strategy is Strategy.FEWEST_CALLS


def test_bad_definitions_are_refused_before_saving(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(config_file, "queues", "add", "q", "--set", "colour=blue") == 1
    assert "unknown setting(s) colour" in capsys.readouterr().err
    assert cli(config_file, "queues", "add", "q", "--skill", "billing=150") == 1
    assert "not within 1..100" in capsys.readouterr().err
    assert cli(config_file, "queues", "add", "q", "--set", "overflow=fax") == 1
    assert "kind must be one of" in capsys.readouterr().err
    assert cli(config_file, "agents", "add", "bob", "--skill", "billing") == 1
    assert "expected NAME=NUMBER" in capsys.readouterr().err
    assert cli(config_file, "queues", "list") == 0
    assert capsys.readouterr().out == ""
