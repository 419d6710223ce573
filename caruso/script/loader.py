"""Load scripts: parse + DTD (``parse``), build the model (``build``), semantic checks (``validate``).

``load_files(paths)`` loads several files together so that sub-script calls between them resolve;
``load_script(path, others)`` loads one against already-loaded scripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from caruso.script import model as m
from caruso.script.build import Builder
from caruso.script.text import digest
from caruso.script.errors import Problem, ScriptLoadError
from caruso.script.parse import read_source
from caruso.script.validate import validate


def build_script(path: str | Path, data: bytes | None = None) -> tuple[m.Script, list[Problem]]:
    """Parse and build without the cross-script checks; the build's problems are returned (a file that
    is not well-formed or not DTD-valid raises ScriptLoadError)."""
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ScriptLoadError([Problem(str(path), 1, 1, f"cannot read the file: {exc.strerror or exc}")]) from exc
    source = read_source(path, data)
    builder = Builder(source)
    script = builder.build(digest(data))
    return script, builder.problems


def load_script(path: str | Path, others: Mapping[str, m.Script] = {}, data: bytes | None = None) -> m.Script:
    script, problems = build_script(path, data)
    problems += validate(script, {**others, script.id: script})
    if problems:
        raise ScriptLoadError(problems)
    return script


@dataclass
class LoadResult:
    scripts: dict[str, m.Script] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    failed: dict[str, list[Problem]] = field(default_factory=dict)  # file -> its problems


def load_files(paths: Iterable[str | Path], known: Mapping[str, m.Script] = {}, *,
               later_wins: bool = False) -> LoadResult:
    """Load every file; sub-scripts resolve among these files and *known*.  Never raises for bad files.

    Two files with the same script id are an error, unless *later_wins* (a local folder overriding the
    shipped one): then the later file is used."""
    result = LoadResult()
    built: dict[str, m.Script] = {}
    early: dict[str, list[Problem]] = {}
    for path in paths:
        try:
            script, early[str(path)] = build_script(path)
        except ScriptLoadError as exc:
            result.failed[str(path)] = exc.problems
            continue
        if script.id in built and not later_wins:
            first = built[script.id]
            problem = Problem(script.file, script.pos.line, script.pos.column,
                              f"script id {script.id!r} is used by {first.file} too")
            result.failed[str(path)] = [problem]
            continue
        built[script.id] = script
    universe = {**known, **built}
    for script in built.values():
        problems = early.get(script.file, []) + validate(script, universe)
        if problems:
            result.failed[script.file] = problems
        else:
            result.scripts[script.id] = script
    for problems in result.failed.values():
        result.problems.extend(problems)
    result.problems.sort()
    return result
