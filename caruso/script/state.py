"""The state of a run: immutable, JSON-serialisable (``to_json``/``from_json``), so a host can persist it
and resume the run later, even after a restart.

Frames form the sub-script call stack (innermost last).  Path, trace and back-checkpoints are
persistent linked lists (``(head, tail)`` pairs) so that each step shares the history instead of
copying it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Cons = tuple[Any, "Cons"] | None
Status = Literal["question", "action", "ended"]


def cons_iter(cell: Cons) -> Iterator[Any]:
    """Items newest first."""
    while cell is not None:
        yield cell[0]
        cell = cell[1]


def cons_list(cell: Cons) -> list[Any]:
    items = list(cons_iter(cell))
    items.reverse()
    return items


def cons_from(items: list[Any]) -> Cons:
    cell: Cons = None
    for item in items:
        cell = (item, cell)
    return cell


class Frame(NamedTuple):
    """One script of the call stack (a tuple: the interpreter makes one per step)."""

    script: str
    version: str
    step: str
    vars: dict[str, Any]
    answers: dict[str, Any]
    objects: dict[str, Any]
    # actions under way in this step: (branch index, next action index); -1 = the step's own actions
    cursor: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"script": self.script, "version": self.version, "step": self.step, "vars": self.vars,
                "answers": self.answers, "objects": self.objects,
                "cursor": list(self.cursor) if self.cursor is not None else None}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Frame:
        cursor = d.get("cursor")
        return cls(d["script"], d["version"], d["step"], dict(d["vars"]), dict(d["answers"]), dict(d["objects"]),
                   (int(cursor[0]), int(cursor[1])) if cursor else None)


class Checkpoint(NamedTuple):
    """Where the run waited for an answer, to come back to it (*back*)."""

    frames: tuple[Frame, ...]
    path: Cons


@dataclass(frozen=True, slots=True)
class RunState:
    channel: str
    context: dict[str, Any]
    frames: tuple[Frame, ...]
    status: Status
    pending: dict[str, Any] | None = None  # the action the host must carry out (status "action")
    outcome: str | None = None
    error: str | None = None
    path: Cons = None
    trace: Cons = None
    checkpoints: Cons = field(default=None, repr=False)
    steps: int = 0  # steps entered so far

    @property
    def script(self) -> str:
        return self.frames[0].script

    @property
    def version(self) -> str:
        return self.frames[0].version

    @property
    def current(self) -> Frame:
        return self.frames[-1]

    @property
    def step_id(self) -> str:
        return self.frames[-1].step

    @property
    def ended(self) -> bool:
        return self.status == "ended"

    @property
    def path_list(self) -> list[str]:
        return cons_list(self.path)

    @property
    def trace_list(self) -> list[dict[str, Any]]:
        return cons_list(self.trace)

    @property
    def can_go_back(self) -> bool:
        cps = list(cons_iter(self.checkpoints))
        return len(cps) >= (2 if self.status == "question" else 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": 1, "channel": self.channel, "context": self.context,
            "frames": [f.to_json() for f in self.frames], "status": self.status, "pending": self.pending,
            "outcome": self.outcome, "error": self.error, "path": self.path_list, "trace": self.trace_list,
            "checkpoints": [{"frames": [f.to_json() for f in cp.frames], "path": len(cons_list(cp.path))}
                            for cp in cons_list(self.checkpoints)],
            "steps": self.steps,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RunState:
        path_items = list(d.get("path", []))
        cps = [Checkpoint(tuple(Frame.from_json(f) for f in cp["frames"]), cons_from(path_items[:cp["path"]]))
               for cp in d.get("checkpoints", [])]
        return cls(d["channel"], dict(d.get("context", {})), tuple(Frame.from_json(f) for f in d["frames"]),
                   d["status"], d.get("pending"), d.get("outcome"), d.get("error"), cons_from(path_items),
                   cons_from(list(d.get("trace", []))), cons_from(cps), int(d.get("steps", 0)))
