"""CSV import: bad rows reported with their line and reason, every valid row kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from caruso.cli.main import main
from caruso.storage.csvimport import import_csv
from caruso.storage.errors import StorageError
from caruso.storage.service import StorageManager
from tests.storage.conftest import Backend

CSV = """number;last_name;phone;since;vip
C-1;Arnaud;04 72 00 00 01;2020-01-01;yes
C-2;;04 72 00 00 02;2020-01-02;no
C-3;Bonnet;not a number;2020-01-03;no
C-4;Chevalier;04 72 00 00 04;2020-02-30;no
C-5;Da Silva;04 72 00 00 05;2020-01-05;sometimes
C-1;Duplicate;04 72 00 00 06;2020-01-06;no
C-7;Éluard;+33 4 72 00 00 07;;
C-8;Short
"""


async def test_bad_rows_are_reported_and_good_rows_kept(storage: StorageManager, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    report = await import_csv(storage.objects, "Customer", path)
    assert report.imported == 2
    assert [(e.line, e.message.split(":")[0]) for e in report.errors] == [
        (3, "Customer.lastName"), (4, "Customer.phone"), (5, "Customer.since"), (6, "Customer.vip"),
        (7, "cannot create Customer"), (9, "2 fields, the header has 5")]
    assert "lastName is required" in report.errors[0].message
    kept = await storage.objects.find("Customer", order_by=["number"])
    assert [(c["number"], c["phone"], c["vip"]) for c in kept] == [("C-1", "+33472000001", True),
                                                                    ("C-7", "+33472000007", False)]


async def test_an_unknown_header_column_stops_the_import(storage: StorageManager, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("number,lastName,shoe size\nC-1,A,42\n", encoding="utf-8")
    with pytest.raises(StorageError, match=r"bad.csv:1: column 'shoe size' is no attribute of Customer"):
        await import_csv(storage.objects, "Customer", path)
    assert await storage.objects.count("Customer") == 0


async def test_the_import_command_reports_rows_and_sets_the_exit_status(backend: Backend, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "caruso.toml"
    schema = f'schema = "{backend.schema}"\n' if backend.schema else ""
    config.write_text(f'[server]\ndata_dir = "{tmp_path}"\n[storage]\nurl = "{backend.url}"\n{schema}',
                      encoding="utf-8")
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    # the CLI runs its own event loop: run it in a thread, as from a shell
    import asyncio

    status = await asyncio.to_thread(main, ["--config", str(config), "objects", "import", "Customer", str(path)])
    out = capsys.readouterr().out
    assert status == 1
    assert "2 Customer imported, 6 rows rejected" in out and f"{path}:4: Customer.phone" in out
    status = await asyncio.to_thread(main, ["--config", str(config), "objects", "show", "Customer",
                                            "--where", "lastName=Éluard", "--json"])
    assert status == 0 and '"phone": "+33472000007"' in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["--config", str(config), "objects", "list"]) == 0
    assert "phone            phone     column phone  [personal, callerid]" in capsys.readouterr().out
