"""The loop every host shares: carry out the run's pending actions until it waits for an answer or ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from caruso.script.effects import Effect
from caruso.script.inputs import ActionResult
from caruso.script.interpreter import Interpreter
from caruso.script.state import RunState

log = logging.getLogger(__name__)


class ActionExecutor(Protocol):
    async def execute(self, effect: Effect, state: RunState) -> ActionResult:
        """Carry out one host action; a failure is an ActionResult(ok=False, error=...), not an exception."""
        ...


async def execute_safely(executor: ActionExecutor, effect: Effect, state: RunState) -> ActionResult:
    try:
        return await executor.execute(effect, state)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a broken back-end follows the script's error path, it does not kill the host
        log.warning("script action %s failed: %s", effect.kind, exc, exc_info=True)
        return ActionResult(ok=False, error=f"{effect.kind} failed: {exc}")


async def advance(interpreter: Interpreter, state: RunState, effects: list[Effect], executor: ActionExecutor,
                  on_effect: Callable[[Effect], None] | None = None) -> tuple[RunState, list[Effect]]:
    """Report *effects*, then while the run waits on an action carry it out and step on.

    Returns the state (waiting for an answer, or ended) and every effect seen, in order.
    """
    seen: list[Effect] = []

    def report(batch: list[Effect]) -> None:
        seen.extend(batch)
        if on_effect is not None:
            for effect in batch:
                on_effect(effect)

    report(effects)
    while state.status == "action" and state.pending is not None:
        pending = Effect(state.pending["effect"], {k: v for k, v in state.pending.items() if k != "effect"})
        result = await execute_safely(executor, pending, state)
        state, batch = interpreter.step(state, result)
        report(batch)
    return state, seen
