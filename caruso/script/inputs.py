"""What a host gives the interpreter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to the question the run waits on (text as typed, a DTMF key, a value, a bool...)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Back:
    """Go back to the previous question (or to question *to*) and re-evaluate the path from there."""

    to: str | None = None


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The outcome of the pending action: ok with its value (created/found object, service result), or
    not ok with an error message (the script's error path is taken)."""

    ok: bool = True
    value: Any = None
    error: str = ""


Input = Union[Answer, Back, ActionResult]
