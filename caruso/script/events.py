"""Events of script runs, published by hosts on the event bus (the monitor and reports follow runs live).

``events_for(run_id, state, effects)`` turns an interpreter step's effects into these events (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from caruso.events.base import Event
from caruso.script.effects import Effect
from caruso.script.state import RunState


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptStepEntered(Event):
    kind: ClassVar[str] = "script.step"
    run_id: str
    script: str
    version: str
    channel: str
    step: str
    step_kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptActionDone(Event):
    kind: ClassVar[str] = "script.action"
    run_id: str
    script: str
    channel: str
    action: str
    ok: bool
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptRunEnded(Event):
    kind: ClassVar[str] = "script.ended"
    run_id: str
    script: str
    version: str
    channel: str
    outcome: str
    steps: int


def events_for(run_id: str, state: RunState, effects: list[Effect]) -> list[Event]:
    out: list[Event] = []
    for effect in effects:
        if effect.kind == "step":
            out.append(ScriptStepEntered(run_id=run_id, script=state.script, version=state.version,
                                         channel=state.channel, step=effect.data["step"],
                                         step_kind=effect.data["kind"]))
        elif effect.kind == "end":
            out.append(ScriptRunEnded(run_id=run_id, script=state.script, version=state.version,
                                      channel=state.channel, outcome=effect.data["outcome"], steps=state.steps))
    return out
