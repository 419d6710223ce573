"""The script repository service (key SCRIPTS): every dialog script the server runs, by id and version.

- At start it loads the shipped ``scripts_xml/`` and the configured ``[scripts] directory`` (a script
  there replaces a shipped one with the same id).
- It checks the folders every ``poll_seconds`` and reloads changed files.  **A broken new version never
  replaces a working one**: the old version keeps serving, the problems are logged, kept in
  ``problems`` and shown by ``health()``.
- Every version loaded is kept, and its source archived under ``<data_dir>/scripts/<id>/``: a run in
  progress finishes on the version it started with, even after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from caruso import paths
from caruso.core.component import Health
from caruso.core.descriptors import ServiceContext
from caruso.script import model as m
from caruso.script.errors import Problem, ScriptLoadError, ScriptNotFound
from caruso.script.loader import load_files, load_script

log = logging.getLogger(__name__)


@dataclass
class ReloadReport:
    loaded: list[str] = field(default_factory=list)  # "id version" newly serving
    unchanged: int = 0
    problems: dict[str, list[Problem]] = field(default_factory=dict)


class ScriptRepository:
    def __init__(self, ctx: ServiceContext | None = None, *, folders: Iterable[Path] | None = None,
                 archive: Path | None = None, watch: bool | None = None, poll_seconds: float | None = None) -> None:
        if folders is None:
            folders = [paths.shipped("scripts_xml")]
            if ctx is not None and ctx.config.scripts.directory is not None:
                folders.append(ctx.config.scripts.directory)
        self.folders = [Path(f) for f in folders]
        if archive is None and ctx is not None:
            archive = ctx.config.data_dir / "scripts"
        self.archive = archive
        self.watch = watch if watch is not None else (ctx.config.scripts.watch if ctx is not None else False)
        self.poll_seconds = poll_seconds if poll_seconds is not None else (
            ctx.config.scripts.poll_seconds if ctx is not None else 2.0)
        self._current: dict[str, m.Script] = {}
        self._versions: dict[tuple[str, str], m.Script] = {}
        self._stamps: dict[Path, tuple[int, int]] = {}
        self.problems: dict[str, list[Problem]] = {}
        self._task: asyncio.Task[None] | None = None

    # ScriptSource ----------------------------------------------------------------------------------
    def get(self, script_id: str, version: str | None = None) -> m.Script:
        if version is None:
            script = self._current.get(script_id)
            if script is None:
                raise ScriptNotFound(f"no script {script_id!r}; known: {', '.join(sorted(self._current)) or 'none'}")
            return script
        found = self._versions.get((script_id, version)) or self._from_archive(script_id, version)
        if found is None:
            raise ScriptNotFound(f"script {script_id!r} version {version} is no longer available")
        return found

    def scripts(self) -> dict[str, m.Script]:
        return dict(self._current)

    def public(self) -> list[m.Script]:
        return sorted((s for s in self._current.values() if s.public), key=lambda s: s.title.lower())

    def versions(self, script_id: str) -> list[str]:
        return [v for (sid, v) in self._versions if sid == script_id]

    # loading ---------------------------------------------------------------------------------------
    def _files(self) -> list[Path]:
        files: list[Path] = []
        for folder in self.folders:
            if folder.is_dir():
                files.extend(sorted(folder.glob("*.xml")))
        return files

    def _stamp(self, path: Path) -> tuple[int, int]:
        st = path.stat()
        return st.st_mtime_ns, st.st_size

    def changed(self) -> bool:
        try:
            stamps = {p: self._stamp(p) for p in self._files()}
        except OSError:
            return True
        return stamps != self._stamps

    def reload(self) -> ReloadReport:
        """Load every file again; new valid versions replace old ones, broken files change nothing."""
        report = ReloadReport()
        files = self._files()
        stamps: dict[Path, tuple[int, int]] = {}
        for p in files:
            with suppress(OSError):
                stamps[p] = self._stamp(p)
        # a later folder overrides an earlier one: load in order, the last script of an id wins
        result = load_files(files, known=self._current, later_wins=True) if files else None
        if result is not None:
            for gone in set(self._current) - set(result.scripts) - {s.id for s in self._failed_ids(result)}:
                log.info("script %s is no longer in the folders", gone)
                del self._current[gone]
            for file, problems in result.failed.items():
                report.problems[file] = problems
                for p in problems:
                    log.error("script not loaded (the previous version, if any, keeps serving): %s", p)
            for script in result.scripts.values():
                serving = self._current.get(script.id)
                if serving is not None and serving.file != script.file and serving.file in result.failed:
                    continue  # the overriding file broke: keep its last good version, not the shipped one
                key = (script.id, script.version_key)
                if key in self._versions and self._current.get(script.id) is self._versions[key]:
                    report.unchanged += 1
                    continue
                self._versions.setdefault(key, script)
                self._current[script.id] = self._versions[key]
                self._archive(script)
                report.loaded.append(f"{script.id} {script.version_key}")
                log.info("script %s version %s loaded from %s", script.id, script.version_key, script.file)
        self.problems = report.problems
        self._stamps = stamps
        return report

    def _failed_ids(self, result: object) -> list[m.Script]:
        """Scripts whose file now fails to load: they keep serving their previous version."""
        failed = getattr(result, "failed", {})
        return [s for s in self._current.values() if s.file in failed]

    def _archive(self, script: m.Script) -> None:
        if self.archive is None:
            return
        target = self.archive / script.id / f"{script.version_key}.xml"
        if target.exists():
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(Path(script.file).read_bytes())
        except OSError as exc:
            log.warning("cannot archive script %s version %s: %s", script.id, script.version_key, exc)

    def _from_archive(self, script_id: str, version: str) -> m.Script | None:
        if self.archive is None:
            return None
        path = self.archive / script_id / f"{version}.xml"
        if not path.is_file():
            return None
        try:
            script = load_script(path, self._current)
        except ScriptLoadError as exc:
            log.error("archived script %s version %s does not load: %s", script_id, version, exc)
            return None
        if script.version_key != version:
            return None
        self._versions[(script_id, version)] = script
        return script

    # service ---------------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        await asyncio.to_thread(self.reload)
        if self.watch:
            self._task = asyncio.create_task(self._watch(), name="script-repository-watch")
        try:
            yield
        finally:
            if self._task is not None:
                self._task.cancel()
                await asyncio.wait([self._task])
                self._task = None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                if await asyncio.to_thread(self.changed):
                    await asyncio.to_thread(self.reload)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep watching: the next change may fix it
                log.exception("reloading scripts failed")

    def health(self) -> Health:
        if self.problems:
            files = ", ".join(sorted(Path(f).name for f in self.problems))
            return Health.degraded(f"{len(self._current)} scripts; not loaded (older version kept): {files}")
        return Health.ok(f"{len(self._current)} scripts")
