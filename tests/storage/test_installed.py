"""A non-editable install finds its migrations and models (caruso.paths.shipped("storage"))."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_an_installed_wheel_upgrades_a_database_and_reads_its_model(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(root)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("caruso-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARUSO_")}
    env.update(PYTHONPATH=str(site), CARUSO_SERVER__DATA_DIR=str(work / "var"))

    def caruso(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "caruso", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=120)

    probe = subprocess.run([sys.executable, "-c", "import caruso.storage.migrations as m; print(m.migrations_dir())"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == str(site / "caruso" / "_data" / "storage" / "migrations")
    upgraded = caruso("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "upgraded from (empty) to" in upgraded.stdout
    listed = caruso("objects", "list")
    assert listed.returncode == 0 and "Customer  -> table customers" in listed.stdout
