"""Run a script without a person: answers come from a mapping (step id → answer, or a list of answers
when the step is asked more than once), every event goes to *emit* as one JSON-able dict.

Events: ``step`` (each step entered), ``effect`` (each action: set, email, create, ...), ``invalid``
(a refused answer; the step is asked again with the next answer), ``error`` (an action or expression
failed; the script's error path follows), ``end`` (outcome and path), ``stuck`` (no answer left).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from caruso.script.effects import Effect
from caruso.script.hosts.driver import ActionExecutor, advance
from caruso.script.inputs import Answer, Back
from caruso.script.interpreter import Interpreter
from caruso.script.state import RunState

Emit = Callable[[dict[str, Any]], None]
AnswerSource = Callable[[RunState, dict[str, Any]], Any]

NO_ANSWER = object()
BACK = object()  # an answer source returns it to go back to the previous question


def effect_event(effect: Effect) -> dict[str, Any]:
    if effect.kind in ("step", "invalid", "end", "error"):
        return {"event": effect.kind, **effect.data}
    return {"event": "effect", "effect": effect.kind, **effect.data}


class AnswerQueue:
    """Answers per step id (``script:step`` inside sub-scripts, or the bare step id), consumed in order."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self._answers = {k: list(v) if isinstance(v, list) else [v] for k, v in answers.items()}

    def __call__(self, state: RunState, step: dict[str, Any]) -> Any:
        label = step["step"]
        for key in (label, label.rpartition(":")[2]):
            queue = self._answers.get(key)
            if queue:
                return queue.pop(0)
        return NO_ANSWER


async def run_batch(interpreter: Interpreter, script_id: str, answers: AnswerSource, executor: ActionExecutor,
                    emit: Emit, *, channel: str = "agent", objects: Mapping[str, Any] | None = None,
                    context: Mapping[str, Any] | None = None,
                    params: Mapping[str, Any] | None = None) -> RunState:
    last_step: dict[str, Any] = {}

    def on_effect(effect: Effect) -> None:
        nonlocal last_step
        if effect.kind == "step":
            last_step = effect.data
        emit(effect_event(effect))

    state, effects = interpreter.start(script_id, channel=channel, objects=objects, context=context, params=params)
    state, _ = await advance(interpreter, state, effects, executor, on_effect)
    while state.status == "question":
        answer = answers(state, last_step)
        if answer is NO_ANSWER:
            emit({"event": "stuck", "step": last_step.get("step"), "message": "no answer left for this step"})
            return state
        if answer is BACK:
            if not state.can_go_back:
                emit({"event": "invalid", "step": last_step.get("step"), "message": "there is no earlier question"})
                continue
            state, effects = interpreter.step(state, Back())
        else:
            state, effects = interpreter.step(state, Answer(answer))
        state, _ = await advance(interpreter, state, effects, executor, on_effect)
    return state
