"""``caruso.toml``: one file, every setting with a default, environment overrides.

Look-up order: ``--config PATH``, else ``$CARUSO_CONFIG``, else ``./caruso.toml`` if it exists, else defaults.
Environment overrides: ``CARUSO_<SECTION>__<KEY>=value`` (e.g. ``CARUSO_WEB__PORT=9090``); values are
parsed as TOML scalars (``true``, ``8080``, ``["a", "b"]``) except for plain string settings.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from caruso.core.settings import build, parse_scalar
from caruso.errors import ConfigError

ENV_PREFIX = "CARUSO_"


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path = Path("./var")
    demo: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # extra service descriptor folder, beside the shipped services/
    services_dir: Path | None = None
    telephony: Literal["sip", "asterisk", "none"] = "sip"


@dataclass(frozen=True)
class WebSettings:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    # seconds of inactivity after which a login session expires
    session_idle: int = 28_800
    # send the session cookie only over HTTPS (set true behind a TLS proxy)
    cookie_secure: bool = False


@dataclass(frozen=True)
class SipSettings:
    host: str = "127.0.0.1"
    port: int = 5060
    transports: list[str] = field(default_factory=lambda: ["udp", "tcp"])
    workers: int = 2
    calls_per_worker: int = 4
    rtp_port_start: int = 20000
    # the embedded driver: media workers listen on worker_port_start, +1, ...; the front SIP server
    # (Kamailio) on host:port.  front = "none" runs the workers alone (callers dial a worker directly).
    front: Literal["kamailio", "none"] = "kamailio"
    worker_port_start: int = 5070
    rtp_ports_per_worker: int = 40
    trunk: str = ""                       # host:port outbound calls to numbers go to
    accounts: dict[str, str] = field(default_factory=dict)   # SIP user -> password (agents' phones)


@dataclass(frozen=True)
class AsteriskSettings:
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "caruso"
    ami_secret: str = ""
    fastagi_host: str = "127.0.0.1"
    fastagi_port: int = 4573
    # the address Asterisk uses to reach our FastAGI server in outbound calls (default: fastagi_host)
    fastagi_advertise_host: str = ""
    outbound_route: str = "outbound"          # AGI(agi://host:port/<this>) for originated calls
    transfer_context: str = "caruso-transfer"  # dialplan context blind transfers are redirected to
    trunk: str = ""                           # PJSIP endpoint for external numbers: PJSIP/<number>@<trunk>
    max_extension_digits: int = 6             # longer targets are external numbers
    connect_timeout: float = 5.0
    action_timeout: float = 10.0
    ping_interval: float = 20.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    header_timeout: float = 5.0               # a FastAGI peer must send its whole header within this
    command_timeout: float = 30.0             # default time-out of one AGI command


@dataclass(frozen=True)
class StorageSettings:
    # empty: sqlite+aiosqlite:///<data_dir>/caruso.db
    url: str = ""
    # PostgreSQL only: the schema Caruso's tables live in (first on search_path); empty: the server's default
    schema: str = ""
    # country of numbers written without one (caller identification, phone attributes; E.164 after)
    default_country: str = "FR"
    # folder of business-object model files (*.xml); empty: the shipped storage/models
    models_dir: Path | None = None
    echo_sql: bool = False


@dataclass(frozen=True)
class ScriptSettings:
    # extra folder of dialog scripts, beside the shipped scripts_xml/
    directory: Path | None = None
    watch: bool = True
    # how often the folders are checked for changed scripts
    poll_seconds: float = 2.0
    # web self-service: requests per minute and burst allowed per client address
    web_rate_per_minute: int = 120
    web_burst: int = 30


@dataclass(frozen=True)
class MailSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "caruso@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    # implicit TLS (SMTPS, usually port 465) instead of STARTTLS
    use_tls: bool = False
    timeout: float = 15.0


@dataclass(frozen=True)
class PrivacySettings:
    # the business-object class `caruso privacy erase --customer ATTR=VALUE` looks in
    customer_object: str = "Customer"
    # retention in days per kind of data (0: kept until erased); older data is removed by the daily job
    recordings_days: int = 90        # call recordings (files; the call record stays)
    voicemail_days: int = 60         # voicemail audio (the message's row stays, without caller, for reports)
    call_records_days: int = 365     # numbers and customer link of calls masked (times kept for reports)
    script_answers_days: int = 180   # answers and variables of dialog-script runs (steps and outcome kept)
    history_days: int = 730          # contact-history items deleted
    # when the daily retention job runs (UTC, HH:MM)
    retention_at: str = "03:30"
    # erasure reports and subject-access exports are written here (under the data directory if relative)
    reports_dir: Path = Path("privacy")


@dataclass(frozen=True)
class EventBusSettings:
    subscriber_queue: int = 10_000
    overflow: Literal["drop_oldest", "drop_newest"] = "drop_oldest"


@dataclass(frozen=True)
class DialerSettings:
    enabled: bool = True
    # seconds between pacing decisions of a running campaign
    tick_seconds: float = 1.0
    # how a contact's E.164 number becomes a dial target: {number} (+33...) or {digits} (33...)
    dial_format: str = "{number}"
    # played to a live answer that found no agent within the grace (a campaign may set its own)
    identification_message: str = ("Hello, this is a call from our customer service. We are sorry, no one is "
                                   "free to talk to you right now. We will call you again later; if you do "
                                   "not want our calls, tell us then or call us back.")
    agent_ring_timeout: float = 10.0
    # how long to wait for the agent script's outcome after a call before recording 'completed'
    disposition_timeout: float = 120.0
    # when a contact is held back (agent required, no time known), look again after this many seconds
    recheck_seconds: float = 300.0
    # lines in flight per campaign, at most
    max_lines: int = 200


@dataclass(frozen=True)
class Config:
    server: ServerSettings = field(default_factory=ServerSettings)
    web: WebSettings = field(default_factory=WebSettings)
    sip: SipSettings = field(default_factory=SipSettings)
    asterisk: AsteriskSettings = field(default_factory=AsteriskSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    scripts: ScriptSettings = field(default_factory=ScriptSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    events: EventBusSettings = field(default_factory=EventBusSettings)
    dialer: DialerSettings = field(default_factory=DialerSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    source: str = "(defaults)"

    @property
    def data_dir(self) -> Path:
        """Always absolute: helper processes (Kamailio, media workers) run in other directories."""
        return self.server.data_dir.absolute()

    @property
    def database_url(self) -> str:
        if self.storage.url:
            return self.storage.url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'caruso.db').resolve()}"


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    hints = typing.get_type_hints(Config)
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for name, text in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name or name == "CARUSO_CONFIG":
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        section_type = hints.get(section)
        if section_type is None or not dataclasses.is_dataclass(section_type):
            known = ", ".join(sorted(f.name for f in dataclasses.fields(Config) if f.name != "source"))
            raise ConfigError(f"unknown section {section!r}; known sections: {known}", file="environment", key=name)
        section_hints = typing.get_type_hints(section_type)
        if key not in section_hints:
            known = ", ".join(sorted(section_hints))
            raise ConfigError(f"unknown setting; known settings here: {known}", file="environment", key=name)
        merged.setdefault(section, {})[key] = parse_scalar(section_hints[key], text, source="environment", key=name)
    return merged


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    if path is None and env.get("CARUSO_CONFIG"):
        path = env["CARUSO_CONFIG"]
    if path is None and Path("caruso.toml").is_file():
        path = "caruso.toml"
    data: dict[str, Any] = {}
    source = "(defaults)"
    if path is not None:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError("configuration file not found", file=source) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML: {exc}", file=source) from exc
    if "source" in data:
        raise ConfigError("unknown section", file=source, key="source")
    data = _apply_env(data, env)
    config = build(Config, {**data, "source": source}, file=source)
    # a relative data directory is relative to where Caruso was started, fixed once here
    return dataclasses.replace(config, server=dataclasses.replace(config.server,
                                                                  data_dir=config.server.data_dir.absolute()))
