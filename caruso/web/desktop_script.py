"""The agent desktop as a script host: runs the queue's agent script for one call, one step at a time.

The run's view for the browser: the texts of the info steps passed since the last answer, the current
question (type, choices, constraints), a refusal message, whether *back* is possible, and the outcome
when it ended.  Each change is saved (script_runs) for resuming and for reports.
"""

from __future__ import annotations

import time
from typing import Any

from caruso.core.manager import ServiceManager
from caruso.script.effects import Effect
from caruso.script.hosts.driver import advance, execute_safely
from caruso.script.hosts.services import ServiceExecutor, jsonable
from caruso.script.inputs import ActionResult, Answer, Back
from caruso.script.interpreter import Interpreter, ScriptSource
from caruso.script.state import RunState
from caruso.events.base import new_id
from caruso.storage.script_runs_repository import ScriptRunRecord, ScriptRunsRepository


class DesktopRun:
    def __init__(self, services: ServiceManager, scripts: ScriptSource, runs: ScriptRunsRepository | None, *,
                 agent: str, call: str | None, customer: tuple[str, str] | None) -> None:
        self.id = new_id()
        self.interpreter = Interpreter(scripts, clock=time.time)
        self.executor = ServiceExecutor(services, channel="agent", calls=self._no_calls)
        self.runs = runs
        self.agent, self.call, self.customer = agent, call, customer
        self.state: RunState | None = None
        self.infos: list[dict[str, Any]] = []
        self.question: dict[str, Any] | None = None
        self.invalid: str | None = None
        self.errors: list[str] = []

    async def _no_calls(self, effect: Effect, state: RunState) -> ActionResult:
        return ActionResult(ok=False, error=f"{effect.kind} is done from the phone, not the script, on the desktop")

    def _collect(self, effect: Effect) -> None:
        if effect.kind == "step":
            if effect.data.get("kind") == "question":
                self.question = jsonable(effect.data)
            elif effect.data.get("text"):
                self.infos.append({"step": effect.data["step"], "text": effect.data["text"]})
        elif effect.kind == "invalid":
            self.invalid = effect.data.get("message") or "this answer is not accepted"
        elif effect.kind == "error":
            self.errors.append(str(effect.data.get("message", "")))

    async def _advance(self, state: RunState, effects: list[Effect]) -> None:
        self.infos, self.question, self.invalid = [], None, None
        self.state, _ = await advance(self.interpreter, state, effects, self.executor, self._collect)
        if self.state.status == "question" and self.question is None:
            # a refused answer: the same question is asked again without a new step effect
            self.question = self._last_question
        self._last_question = self.question
        await self._save()

    async def _objects(self, script_id: str, context: dict[str, Any], key_of: dict[str, str]) -> dict[str, Any]:
        """The script's declared objects: the popped customer (by key), else looked up as declared."""
        objects: dict[str, Any] = {}
        for ref in self.interpreter.scripts.get(script_id).objects:
            if self.customer is not None and ref.cls == self.customer[0] and ref.cls in key_of:
                by, value = key_of[ref.cls], self.customer[1]
            elif ref.lookup and ref.source and context.get(ref.source) is not None:
                by, value = ref.lookup, context[ref.source]
            else:
                continue
            # a caller id that is no phone number (or a broken back-end) leaves the object unknown, as in the
            # interpreter's own look-up: the script still starts
            found = await execute_safely(self.executor, Effect("find", {"class": ref.cls, "by": by, "value": value}),
                                         None)  # type: ignore[arg-type]
            if found.ok and found.value is not None:
                objects[ref.name] = found.value
        return objects

    async def start(self, script_id: str, context: dict[str, Any], key_of: dict[str, str]) -> None:
        """Start *script_id*; ``key_of``: business-object class -> its key attribute (to reload the pop)."""
        self._last_question: dict[str, Any] | None = None
        self.script_id = script_id
        objects = await self._objects(script_id, context, key_of)
        state, effects = self.interpreter.start(script_id, channel="agent", objects=objects, context=context)
        await self._advance(state, effects)

    async def answer(self, value: Any) -> None:
        assert self.state is not None
        keep = self._last_question
        state, effects = self.interpreter.step(self.state, Answer(value))
        await self._advance(state, effects)
        if self.invalid and self.question is None:
            self.question = keep

    async def back(self) -> None:
        assert self.state is not None
        state, effects = self.interpreter.step(self.state, Back())
        await self._advance(state, effects)

    async def abort(self) -> None:
        if self.state is not None and not self.state.ended:
            await self._save(status="aborted")

    async def _save(self, status: str | None = None) -> None:
        if self.runs is None or self.state is None:
            return
        s = self.state
        await self.runs.save(ScriptRunRecord(
            id=self.id, script=s.script, script_version=s.version, host="agent",
            status=status or ("finished" if s.ended else "running"), state=s.to_json(),
            trace=[{"step": p} for p in s.path_list], outcome=s.outcome, call_id=self.call, agent=self.agent,
            customer=self.customer))

    def view(self) -> dict[str, Any]:
        s = self.state
        return {"run": self.id, "script": getattr(self, "script_id", None), "infos": self.infos,
                "question": self.question, "invalid": self.invalid, "errors": self.errors,
                "ended": bool(s and s.ended), "outcome": s.outcome if s else None,
                "can_go_back": bool(s and s.can_go_back)}
