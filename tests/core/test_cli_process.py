"""The real ``caruso`` command in its own process: --help anywhere, serve until SIGTERM, services."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

CARUSO = [sys.executable, "-m", "caruso"]


def env_for(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARUSO_")}
    env.update({
        "CARUSO_WEB__PORT": str(port),
        "CARUSO_SERVER__DATA_DIR": str(tmp_path / "var"),
        "CARUSO_SERVER__TELEPHONY": "none",
    })
    return env


def test_help_works_from_any_directory(tmp_path: Path) -> None:
    out = subprocess.run([*CARUSO, "--help"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    for command in ("serve", "services", "version"):
        assert command in out
    serve_help = subprocess.run([*CARUSO, "serve", "--help"], cwd=tmp_path, capture_output=True, text=True,
                                check=True).stdout
    assert "--demo" in serve_help


def wait_for_health(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"caruso serve exited early with {proc.returncode}: {proc.stderr.read()}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return json.load(resp)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer on {url} within {timeout}s")


@pytest.mark.slow
def test_serve_answers_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = env_for(tmp_path, port)
    proc = subprocess.Popen([*CARUSO, "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        body = wait_for_health(f"http://127.0.0.1:{port}/health", proc)
        # without telephony (server.telephony = "none") the ACD is degraded: it cannot ring agents
        assert body["status"] in ("ok", "degraded"), body
        assert {"config", "events", "storage", "web"} <= set(body["services"])
        for name, report in body["services"].items():
            assert report["state"] != "down", (name, report)
            if report["state"] == "degraded":
                assert report["reason"], name
        assert "secret" not in json.dumps(body).lower()
        listing = subprocess.run([*CARUSO, "services"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                 check=True).stdout
        assert "web" in listing and "storage" in listing and "ok" in listing
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped cleanly" in err
    for bad in ("Traceback", "Task was destroyed", "Warning", "never awaited", "Unclosed"):
        assert bad not in err, err


def test_services_lists_configuration_when_no_server_runs(tmp_path: Path) -> None:
    env = env_for(tmp_path, free_port())
    out = subprocess.run([*CARUSO, "services"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert "No Caruso answers" in out and "web" in out


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "caruso.toml"
    cfg.write_text("[web]\nport = 'x'\n")
    res = subprocess.run([*CARUSO, "--config", str(cfg), "serve"], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 1
    assert f"caruso: error: {cfg}: web.port: expected int" in res.stderr


@pytest.mark.slow
def test_non_editable_install_finds_its_shipped_folders(tmp_path: Path) -> None:
    """A wheel installed elsewhere must carry dtd/, scripts_xml/, services/, storage/, monitor/."""
    root = Path(__file__).resolve().parents[2]
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(root)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("caruso-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = (
        "import caruso, json; from caruso import paths; "
        "print(json.dumps({'pkg': caruso.__file__, "
        "'dirs': {n: str(paths.shipped(n)) for n in paths.SHIPPED}, "
        "'files': {n: sorted(p.name for p in paths.shipped(n).iterdir()) for n in paths.SHIPPED}}))"
    )
    res = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True)
    found = json.loads(res.stdout)
    assert found["pkg"].startswith(str(site))
    for name, folder in found["dirs"].items():
        assert folder == str(site / "caruso" / "_data" / name)
        shipped = sorted(p.name for p in (root / name).iterdir()
                         if not p.name.startswith((".", "__")) and (p.is_file() or any(p.rglob("*.*"))))
        assert set(shipped) <= set(found["files"][name]), name
    help_out = subprocess.run([sys.executable, "-m", "caruso", "--help"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=True).stdout
    assert "serve" in help_out


@pytest.mark.slow
def test_quick_start_defaults_relative_data_dir_with_the_embedded_sip_server(tmp_path: Path) -> None:
    """What ./run.sh does: no data-dir setting (./var where Caruso starts) and the embedded SIP server,
    whose Kamailio runs in another directory and must still find its files."""
    from tests.sip.support import free_block

    port, sip = free_port(), free_block(40)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARUSO_")}
    env.update({"CARUSO_WEB__PORT": str(port), "CARUSO_SIP__PORT": str(sip),
                "CARUSO_SIP__RTP_PORT_START": str(sip + 2)})
    proc = subprocess.Popen([*CARUSO, "serve", "--demo"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        body = wait_for_health(f"http://127.0.0.1:{port}/health", proc)
        assert body["services"]["telephony"]["state"] == "ok", body["services"]["telephony"]
        assert body["status"] == "ok", body
        assert (tmp_path / "var" / "caruso.db").is_file()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
