"""The generated Kamailio configuration is accepted by the real kamailio (``kamailio -c``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from caruso.drivers.sip.kamailio import find_kamailio
from caruso.drivers.sip.kamailio_cfg import FrontConfig, dispatcher_list, render


def config(tmp_path: Path, **extra: object) -> FrontConfig:
    return FrontConfig(host="127.0.0.1", port=5999, transports=("udp", "tcp"),
                       workers=("127.0.0.1:6001", "127.0.0.1:6002"), rpc_socket=str(tmp_path / "rpc.sock"),
                       dispatcher_file=str(tmp_path / "d.list"), run_dir=str(tmp_path), **extra)


@pytest.mark.parametrize("extra", [{}, {"trunk": "127.0.0.1:7000", "users": {"alice": "pw", "bob": "x y"}}])
def test_kamailio_accepts_the_generated_config(tmp_path: Path, extra: dict) -> None:
    cfg = config(tmp_path, **extra)
    (tmp_path / "k.cfg").write_text(render(cfg))
    (tmp_path / "d.list").write_text(dispatcher_list(cfg.workers))
    result = subprocess.run([find_kamailio(), "-c", "-f", str(tmp_path / "k.cfg")], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr[-2000:]


def test_dispatcher_lists_every_worker_in_group_1() -> None:
    assert dispatcher_list(("127.0.0.1:6001", "127.0.0.1:6002")).splitlines()[1:] == [
        "1 sip:127.0.0.1:6001 0 0", "1 sip:127.0.0.1:6002 0 0"]


def test_a_password_that_would_break_the_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported character"):
        render(config(tmp_path, users={"alice": 'pw"; exit;'}))
