"""``caruso privacy`` end to end on a demo database (SQLite file in the data directory): dry run, erase,
re-run, export, retention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caruso.cli.main import main
from caruso.storage.service import StorageManager
from tests.privacy.seed import NEEDLES, seed
from tests.storage.conftest import Backend


@pytest.fixture
def config_file(backend: Backend) -> Path:
    path = backend.tmp / "caruso.toml"
    path.write_text(f'[server]\ndata_dir = "{backend.tmp}"\n[storage]\nurl = "{backend.url}"\n'
                    f'schema = "{backend.schema or ""}"\n', encoding="utf-8")
    return path


async def _seed(backend: Backend) -> None:
    storage = StorageManager.standalone(backend.config(demo=True))
    async with storage.lifespan():
        await seed(storage, backend.tmp)


def test_cli_erase_export_retention(backend: Backend, config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    asyncio.run(_seed(backend))
    cfg = ["--config", str(config_file), "privacy"]
    out_dir = backend.tmp / "out"
    assert main([*cfg, "export", "--customer", "number=C100002", "--out", str(out_dir)]) == 0
    document = json.loads((out_dir / "export.json").read_text(encoding="utf-8"))
    assert len(list((out_dir / "recordings").iterdir())) == 4
    assert document["subject"]["customers"] == ["Customer:2"]
    capsys.readouterr()

    assert main([*cfg, "erase", "--customer", "email=eulalie.quillacq@example.net", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["dry_run"] and dry["places"]["calls"]["count"] == 2
    assert main([*cfg, "erase", "--customer", "email=eulalie.quillacq@example.net"]) == 0
    text = capsys.readouterr().out
    assert "calls" in text and "suppression entries" in text
    assert not any(n in text for n in NEEDLES)
    assert main([*cfg, "erase", "--customer", "number=C100002"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main([*cfg, "retention", "--dry-run"]) == 0
    assert "due (dry run" in capsys.readouterr().out
    assert main([*cfg, "erase", "--customer", "bad"]) == 1
    assert "ATTR=VALUE" in capsys.readouterr().err
