"""Errors of the dialog-script engine.

ScriptError (CarusoError)
├── ScriptLoadError      a script file is not valid: carries every Problem (file, line, column, message)
├── ScriptNotFound       no script with that id (or version) in the repository
├── ExpressionError      an expression failed to compile (position inside the expression) or to evaluate
└── RunError             the interpreter was given an input that does not fit the run's state
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from caruso.errors import CarusoError


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class ScriptError(CarusoError):
    pass


class ScriptLoadError(ScriptError):
    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid script")

    @property
    def details(self) -> list[dict[str, object]]:
        return [{"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in self.problems]


class ScriptNotFound(ScriptError, LookupError):
    pass


class ExpressionError(ScriptError):
    """``offset`` is the 0-based position inside the expression text (compile errors only)."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class RunError(ScriptError):
    pass
