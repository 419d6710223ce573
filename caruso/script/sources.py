"""Where an interpreter finds scripts: by id and, for a run in progress, by exact version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from caruso.script import model as m
from caruso.script.errors import ScriptNotFound


class ScriptSource(Protocol):
    def get(self, script_id: str, version: str | None = None) -> m.Script: ...


class ScriptSet:
    """A fixed set of scripts (one version each) as a ScriptSource."""

    def __init__(self, scripts: Mapping[str, m.Script]) -> None:
        self._scripts = dict(scripts)

    def get(self, script_id: str, version: str | None = None) -> m.Script:
        script = self._scripts.get(script_id)
        if script is None or (version is not None and version != script.version_key):
            raise ScriptNotFound(f"no script {script_id!r}" + (f" version {version}" if version else ""))
        return script
