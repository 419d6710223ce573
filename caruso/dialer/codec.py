"""Campaigns to and from plain dicts (JSON API, CLI, database row settings), with clear errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from caruso.dialer.errors import CampaignConfigError
from caruso.dialer.model import CallingWindow, CampaignSpec, DialMode, PacingSettings, Purpose, RetryRules

_TOP = {"name", "mode", "purpose", "queue", "script", "caller_id", "label", "calling_windows", "retry", "pacing",
        "ring_timeout", "abandon_grace", "identification_message", "contact_source", "detect_machines"}


def _section(cls: type, data: Any, setting: str) -> Any:
    if data is None:
        return cls()
    if not isinstance(data, Mapping):
        raise CampaignConfigError("expected an object", setting=setting)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            raise CampaignConfigError(f"unknown setting; known: {', '.join(sorted(known))}", setting=f"{setting}.{key}")
    kinds = {f.name: (int if f.type in ("int", int) else float) for f in dataclasses.fields(cls)}
    try:
        return cls(**{k: kinds[k](v) for k, v in data.items()})
    except (TypeError, ValueError) as exc:
        raise CampaignConfigError(f"{exc}", setting=setting) from exc


def _enum(cls: type, value: Any, setting: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise CampaignConfigError(f"{value!r}: expected one of {', '.join(m.value for m in cls)}",  # type: ignore[attr-defined]
                                  setting=setting) from None


def spec_from_dict(data: Mapping[str, Any]) -> CampaignSpec:
    for key in data:
        if key not in _TOP:
            raise CampaignConfigError(f"unknown setting; known: {', '.join(sorted(_TOP))}", setting=key)
    if not data.get("name"):
        raise CampaignConfigError("a campaign needs a name", setting="name")
    windows = data.get("calling_windows")
    kwargs: dict[str, Any] = {
        "name": str(data["name"]),
        "mode": _enum(DialMode, data.get("mode", "progressive"), "mode"),
        "purpose": _enum(Purpose, data.get("purpose", "service"), "purpose"),
        "queue": data.get("queue") or None,
        "script": data.get("script") or None,
        "caller_id": data.get("caller_id") or None,
        "label": str(data.get("label", "")),
        "retry": _section(RetryRules, data.get("retry"), "retry"),
        "pacing": _section(PacingSettings, data.get("pacing"), "pacing"),
        "identification_message": str(data.get("identification_message", "")),
        "contact_source": dict(data.get("contact_source") or {}),
        "detect_machines": bool(data.get("detect_machines", False)),
    }
    if windows is not None:
        if not isinstance(windows, list):
            raise CampaignConfigError("expected a list of {start, end, days}", setting="calling_windows")
        kwargs["windows"] = tuple(CallingWindow.parse(w) for w in windows)
    for key in ("ring_timeout", "abandon_grace"):
        if key in data:
            try:
                kwargs[key] = float(data[key])
            except (TypeError, ValueError):
                raise CampaignConfigError(f"{data[key]!r}: expected seconds", setting=key) from None
    return CampaignSpec(**kwargs)


def spec_to_dict(spec: CampaignSpec) -> dict[str, Any]:
    return {
        "name": spec.name, "mode": spec.mode.value, "purpose": spec.purpose.value, "queue": spec.queue,
        "script": spec.script, "caller_id": spec.caller_id, "label": spec.label,
        "calling_windows": [w.as_dict() for w in spec.windows],
        "retry": dataclasses.asdict(spec.retry), "pacing": dataclasses.asdict(spec.pacing),
        "ring_timeout": spec.ring_timeout, "abandon_grace": spec.abandon_grace,
        "identification_message": spec.identification_message, "contact_source": dict(spec.contact_source),
        "detect_machines": spec.detect_machines,
    }
