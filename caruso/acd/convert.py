"""Queue and agent definitions to and from plain data (the database's JSON settings, the CLI, TOML).

Queue settings (all optional):

    {"relaxation": [[30, 50], [60, 1]],          # after 30 s accept level >= 50, after 60 s any level
     "max_wait": 300, "overflow": "voicemail:billing",   # kind[:target]: queue, voicemail, callback, number, hangup
     "max_length": 50, "join_empty": "no_agents", "leave_empty": "none_ready",
     "service_level_seconds": 20, "service_level_target": 0.8, "ring_timeout": 15, "weight": 1,
     "announce_interval": 60, "music": "default", "announcement": "", "default_handle_time": 180,
     "ring_all_limit": 50}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from caruso.acd.errors import AcdConfigError
from caruso.acd.model import (AgentConfig, EmptyRule, Membership, OverflowKind, OverflowTarget, QueueConfig,
                              Relaxation, SkillRequirement, Strategy)

_FLOATS = ("max_wait", "service_level_seconds", "service_level_target", "ring_timeout", "weight",
           "announce_interval", "default_handle_time")
_INTS = ("max_length", "ring_all_limit")
_STRINGS = ("music", "announcement")
# "script": the agent script the desktop runs for the queue's calls (read by caruso/web, ignored here)
QUEUE_SETTINGS = frozenset(_FLOATS + _INTS + _STRINGS + ("relaxation", "overflow", "join_empty", "leave_empty",
                                                    "script"))


def parse_overflow(text: str) -> OverflowTarget:
    kind, _, target = text.partition(":")
    try:
        return OverflowTarget(OverflowKind(kind), target)
    except ValueError:
        raise AcdConfigError(f"overflow {text!r}: kind must be one of "
                             f"{', '.join(k.value for k in OverflowKind)}") from None


def format_overflow(target: OverflowTarget) -> str:
    return target.kind.value + (f":{target.target}" if target.target else "")


def queue_from_data(queue_id: str, *, name: str = "", strategy: str = "longest_idle",
                    skills: Mapping[str, int] | None = None, settings: Mapping[str, Any] | None = None) -> QueueConfig:
    settings = dict(settings or {})
    unknown = set(settings) - QUEUE_SETTINGS
    if unknown:
        raise AcdConfigError(f"queue {queue_id!r}: unknown setting(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(QUEUE_SETTINGS))}")
    kwargs: dict[str, Any] = {}
    try:
        kwargs["strategy"] = Strategy(strategy)
        for key in _FLOATS:
            if settings.get(key) is not None:
                kwargs[key] = float(settings[key])
        for key in _INTS:
            if settings.get(key) is not None:
                kwargs[key] = int(settings[key])
        for key in _STRINGS:
            if key in settings:
                kwargs[key] = str(settings[key])
        for key in ("join_empty", "leave_empty"):
            if key in settings:
                kwargs[key] = EmptyRule(settings[key])
        if settings.get("relaxation"):
            kwargs["relaxation"] = tuple(Relaxation(float(after), int(level)) for after, level in settings["relaxation"])
    except (TypeError, ValueError) as exc:
        raise AcdConfigError(f"queue {queue_id!r}: {exc}") from exc
    if settings.get("overflow"):
        kwargs["overflow"] = parse_overflow(str(settings["overflow"]))
    requirements = tuple(SkillRequirement(skill, int(level)) for skill, level in sorted((skills or {}).items()))
    return QueueConfig(queue_id, name=name, skills=requirements, **kwargs)


def queue_settings(config: QueueConfig) -> dict[str, Any]:
    """The JSON settings that rebuild ``config`` with ``queue_from_data`` (defaults left out)."""
    default = QueueConfig("x")
    out: dict[str, Any] = {}
    for key in _FLOATS + _INTS + _STRINGS:
        value = getattr(config, key)
        if value != getattr(default, key):
            out[key] = value
    for key in ("join_empty", "leave_empty"):
        if getattr(config, key) is not getattr(default, key):
            out[key] = getattr(config, key).value
    if config.relaxation:
        out["relaxation"] = [[r.after, r.min_level] for r in config.relaxation]
    if config.overflow != default.overflow:
        out["overflow"] = format_overflow(config.overflow)
    return out


def agent_from_data(agent_id: str, *, name: str = "", phone: str = "", skills: Mapping[str, int] | None = None,
                    queues: Mapping[str, int] | None = None, wrap_up: float = 0.0, order: int = 0) -> AgentConfig:
    """``queues``: queue id -> penalty; ``order``: the agent's place in linear queues (ties: load order)."""
    members = tuple(Membership(q, penalty=int(p), order=order) for q, p in (queues or {}).items())
    return AgentConfig(agent_id, name=name, phone=phone, skills={k: int(v) for k, v in (skills or {}).items()},
                       queues=members, wrap_up=float(wrap_up or 0.0))
