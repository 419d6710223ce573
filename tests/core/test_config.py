"""Configuration: defaults without a file, TOML, environment overrides, errors naming file/key/type."""

from __future__ import annotations

from pathlib import Path

import pytest

from caruso.config import load_config
from caruso.errors import ConfigError


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config(env={})
    assert cfg.data_dir == tmp_path / "var" and cfg.data_dir.is_absolute()  # ./var where Caruso started
    assert (cfg.web.host, cfg.web.port) == ("127.0.0.1", 8080)
    assert (cfg.sip.host, cfg.sip.port, cfg.sip.transports) == ("127.0.0.1", 5060, ["udp", "tcp"])
    assert cfg.asterisk.fastagi_port == 4573
    assert cfg.database_url.startswith("sqlite+aiosqlite:///") and cfg.database_url.endswith("var/caruso.db")


def test_file_values_and_env_overrides(tmp_path: Path) -> None:
    path = tmp_path / "caruso.toml"
    path.write_text('[web]\nport = 9000\n[server]\ndata_dir = "/srv/caruso"\n')
    cfg = load_config(path, env={"CARUSO_WEB__HOST": "0.0.0.0", "CARUSO_SIP__TRANSPORTS": '["udp"]',
                                 "CARUSO_SERVER__DEMO": "true"})
    assert cfg.web.port == 9000 and cfg.web.host == "0.0.0.0"
    assert cfg.data_dir == Path("/srv/caruso") and cfg.server.demo is True
    assert cfg.sip.transports == ["udp"]
    assert cfg.source == str(path)


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text("[web]\nport = 8181\n")
    assert load_config(env={"CARUSO_CONFIG": str(path)}).web.port == 8181


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[web]\nport = 'eighty'\n", "web.port", "expected int"),
        ("[web]\nprot = 80\n", "web.prot", "unknown setting"),
        ("[wbe]\nport = 80\n", "wbe", "unknown setting"),
        ("[server]\nlog_level = 'LOUD'\n", "server.log_level", "one of 'DEBUG'"),
        ("[sip]\ntransports = 'udp'\n", "sip.transports", "expected list of str"),
        ("[web]\nenabled = 1\n", "web.enabled", "expected bool"),
    ],
)
def test_bad_values_name_file_key_and_type(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = tmp_path / "caruso.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: ") and expected in message


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "caruso.toml"
    path.write_text("[web\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", env={})


def test_bad_environment_override_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="environment: CARUSO_WEB__PORT: expected int"):
        load_config(env={"CARUSO_WEB__PORT": "http"})
    with pytest.raises(ConfigError, match="CARUSO_WEBB__PORT: unknown section"):
        load_config(env={"CARUSO_WEBB__PORT": "1"})
