"""The interpreter: pure, synchronous, deterministic.  ``step(state, input) -> (state, effects)``.

No I/O: the host carries out the effects (see ``effects.py``) and feeds results back as inputs
(``inputs.py``).  Time comes from the injected clock.  Scripts come from a ScriptSource (the
repository, or a plain mapping in tests and the CLI), by id and version, so a run in progress keeps
the version it started with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from caruso.script import model as m
from caruso.script.answers import check
from caruso.script.effects import Effect
from caruso.script.errors import ExpressionError, RunError
from caruso.script.expr import Scope
from caruso.script.inputs import ActionResult, Answer, Back, Input
from caruso.script.render import step_data
from caruso.script.sources import ScriptSet, ScriptSource
from caruso.script.state import Checkpoint, Cons, Frame, RunState, cons_iter
from caruso.script.actions import build_action_effect

__all__ = ["Interpreter", "ScriptSet", "ScriptSource"]

MAX_STEPS_WITHOUT_INPUT = 10_000
LOOKUPS = -2  # cursor branch of the start-of-run object look-ups


class _Work:
    """A mutable working copy of a RunState for the length of one step() call."""

    __slots__ = ("state", "frames", "top", "script", "scope", "effects", "path", "trace", "checkpoints",
                 "status", "pending", "outcome", "error", "steps", "vars", "answers", "objects", "cursor", "budget",
                 "step")

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.frames = list(state.frames)
        self.effects: list[Effect] = []
        self.path, self.trace, self.checkpoints = state.path, state.trace, state.checkpoints
        self.status, self.pending, self.outcome, self.error = state.status, None, state.outcome, state.error
        self.steps = state.steps
        self.budget = MAX_STEPS_WITHOUT_INPUT


class Interpreter:
    def __init__(self, scripts: ScriptSource, clock: Callable[[], float] = lambda: 0.0) -> None:
        self.scripts = scripts
        self.clock = clock

    # public --------------------------------------------------------------------------------------
    def start(self, script_id: str, *, channel: str = "agent", objects: Mapping[str, Any] | None = None,
              params: Mapping[str, Any] | None = None, context: Mapping[str, Any] | None = None,
              version: str | None = None) -> tuple[RunState, list[Effect]]:
        script = self.scripts.get(script_id, version)
        frame = self._new_frame(script, dict(params or {}), dict(objects or {}))
        state = RunState(channel, dict(context or {}), (frame,), "action")
        w = _Work(state)
        self._load(w)
        self._event(w, {"event": "start", "script": script.id, "version": script.version_key})
        if any(True for _ in self._lookups(w, 0)):
            w.cursor = (LOOKUPS, 0)  # find the declared objects first (e.g. the customer by the caller's number)
        else:
            self._enter(w, script.start)
        self._run(w)
        return self._freeze(w), w.effects

    def _lookups(self, w: _Work, start: int) -> Any:
        """(index, object) of the declared objects still to find from the run context, from *start* on."""
        for i, ref in enumerate(w.script.objects):
            if i >= start and ref.lookup and ref.source and w.objects.get(ref.name) is None \
                    and w.state.context.get(ref.source) not in (None, ""):
                yield i, ref

    def _resume_lookups(self, w: _Work) -> None:
        assert w.cursor is not None
        for i, ref in self._lookups(w, w.cursor[1]):
            w.cursor = (LOOKUPS, i + 1)
            self._pend(w, Effect("find", {"object": ref.name, "class": ref.cls, "by": ref.lookup,
                                          "value": w.state.context.get(ref.source), "lookup": True}))
            return
        w.cursor = None
        self._enter(w, w.script.start)

    def step(self, state: RunState, inp: Input) -> tuple[RunState, list[Effect]]:
        w = _Work(state)
        self._load(w)
        if isinstance(inp, Back):
            self._back(w, inp.to)
        elif isinstance(inp, Answer):
            if state.status != "question":
                raise RunError(f"the run is not waiting for an answer (it is {state.status!r})")
            if self._answer(w, inp.value):
                self._run(w)
        elif isinstance(inp, ActionResult):
            if state.status != "action" or state.pending is None:
                raise RunError(f"the run is not waiting for an action result (it is {state.status!r})")
            self._result(w, state.pending, inp)
            self._run(w)
        else:
            raise RunError(f"unknown input {inp!r}")
        return self._freeze(w), w.effects

    def current_step(self, state: RunState) -> m.Step:
        frame = state.frames[-1]
        return self.scripts.get(frame.script, frame.version).steps[frame.step]

    # frames --------------------------------------------------------------------------------------
    def _new_frame(self, script: m.Script, params: dict[str, Any], objects: dict[str, Any]) -> Frame:
        values: dict[str, Any] = {}
        for v in script.variables:
            if v.param and v.name in params:
                values[v.name] = params.pop(v.name)
            elif v.param and v.required:
                raise RunError(f"script {script.id!r} needs parameter {v.name!r}")
            else:
                values[v.name] = list(v.default) if isinstance(v.default, list) else v.default
        if params:
            raise RunError(f"script {script.id!r} has no parameter(s) {', '.join(sorted(params))}")
        objs = {o.name: objects.get(o.name) for o in script.objects}
        return Frame(script.id, script.version_key, script.start, values, {}, objs)

    def _load(self, w: _Work) -> None:
        """Make the top frame the working one (its dicts copied: the frozen state is never changed)."""
        f = w.frames[-1]
        w.script = self.scripts.get(f.script, f.version)
        w.vars, w.answers, w.objects, w.cursor = dict(f.vars), dict(f.answers), dict(f.objects), f.cursor
        w.top, w.step = f, f.step
        specials = {"channel": w.state.channel, "caller": w.state.context.get("caller"), "error": w.error,
                    "script": w.script.id}
        w.scope = Scope(w.vars, w.objects, w.answers, specials, self.clock)

    def _store(self, w: _Work) -> None:
        w.frames[-1] = Frame(w.top.script, w.top.version, w.step, w.vars, w.answers, w.objects, w.cursor)

    def _freeze(self, w: _Work) -> RunState:
        self._store(w)
        return RunState(w.state.channel, w.state.context, tuple(w.frames), w.status, w.pending, w.outcome,
                        w.error, w.path, w.trace, w.checkpoints, w.steps)

    # history -------------------------------------------------------------------------------------
    def _event(self, w: _Work, item: dict[str, Any]) -> None:
        item["at"] = self.clock()
        w.trace = (item, w.trace)

    def _label(self, w: _Work, step_id: str) -> str:
        return step_id if len(w.frames) == 1 else f"{w.script.id}:{step_id}"

    # the loop ------------------------------------------------------------------------------------
    def _enter(self, w: _Work, step_id: str) -> None:
        # the hot path of every run: kept flat on purpose
        w.step = step_id
        w.cursor = None
        w.steps += 1
        w.budget -= 1
        step = w.script.steps[step_id]
        label = step_id if len(w.frames) == 1 else f"{w.script.id}:{step_id}"
        w.path = (label, w.path)
        w.trace = ({"event": "enter", "step": label, "kind": step.kind, "at": self.clock()}, w.trace)
        try:
            data = step_data(step, w.state.channel, w.scope, label)
        except ExpressionError as exc:
            w.effects.append(Effect("step", {"step": label, "kind": step.kind}))
            self._fail(w, f"step {step_id!r}: {exc}")
            return
        w.effects.append(Effect("step", data))
        w.status = "action"  # moving on (not waiting) until the loop says otherwise

    def _run(self, w: _Work) -> None:
        """Carry on from the current step until the run waits (question, action) or ends."""
        while w.status == "action" and w.pending is None:
            if w.budget <= 0:
                w.error = "the script ran too many steps without waiting for an answer (a loop?)"
                w.effects.append(Effect("error", {"step": self._label(w, w.step), "message": w.error}))
                self._end(w, "error")
                return
            step = w.script.steps[w.step]
            if w.cursor is not None:
                if w.cursor[0] == LOOKUPS:
                    self._resume_lookups(w)
                else:
                    self._resume_actions(w, step)
                continue
            kind = step.kind
            if kind == "info":
                self._enter(w, step.next)
            elif kind == "question":
                w.status = "question"
                self._store(w)
                w.checkpoints = (Checkpoint(tuple(w.frames), w.path), w.checkpoints)
            elif kind == "decision":
                self._decide(w, step)
            elif kind == "action":
                w.cursor = (-1, 0)
            elif kind == "call":
                self._call(w, step)
            elif kind in ("transfer", "voicemail"):
                self._pend(w, build_action_effect(step, w.scope, w.script))
            else:
                self._finish(w, step)

    def _decide(self, w: _Work, step: m.Decision) -> None:
        try:
            for i, branch in enumerate(step.branches):
                if branch.test is None or branch.test(w.scope):
                    w.trace = ({"event": "decide", "step": w.path[0], "branch": i, "at": self.clock()}, w.trace)
                    if branch.actions:
                        w.cursor = (i, 0)
                    else:
                        self._enter(w, branch.next)
                    return
        except ExpressionError as exc:
            self._fail(w, f"decision {step.id!r}: {exc}")

    def _branch(self, step: m.Step, index: int) -> tuple[tuple[m.Action, ...], str]:
        if isinstance(step, m.ActionStep):
            return step.actions, step.next
        if isinstance(step, m.Decision):
            b = step.branches[index]
            return b.actions, b.next
        assert isinstance(step, m.Question)
        c = step.choices[index]
        return c.actions, c.next or step.next or ""

    def _resume_actions(self, w: _Work, step: m.Step) -> None:
        assert w.cursor is not None
        branch, index = w.cursor
        actions, nxt = self._branch(step, branch)
        while index < len(actions):
            action = actions[index]
            index += 1
            try:
                if isinstance(action, m.SetAction):
                    value = action.value(w.scope)
                    w.vars[action.var] = value
                    w.effects.append(Effect("set", {"var": action.var, "value": value}))
                    continue
                effect = build_action_effect(action, w.scope, w.script)
            except ExpressionError as exc:
                self._fail(w, f"step {step.id!r}: {exc}")
                return
            w.cursor = (branch, index)
            self._pend(w, effect)
            return
        w.cursor = None
        self._enter(w, nxt)

    def _pend(self, w: _Work, effect: Effect) -> None:
        w.pending = effect.as_dict()
        w.effects.append(effect)
        self._event(w, {"event": "effect", "effect": effect.kind})

    # inputs --------------------------------------------------------------------------------------
    def _answer(self, w: _Work, raw: Any) -> bool:
        step = w.script.steps[w.step]
        assert isinstance(step, m.Question)
        value, message = check(step, raw)
        label = self._label(w, step.id)
        if message is not None:
            if step.constraints.message is not None:
                message = step.constraints.message.render(w.scope)
            w.effects.append(Effect("invalid", {"step": label, "message": message, "answer": _jsonable(raw)}))
            self._event(w, {"event": "invalid", "step": label, "answer": _jsonable(raw)})
            return False
        w.answers[step.id] = value
        if step.var is not None:
            w.vars[step.var] = value
        self._event(w, {"event": "answer", "step": label, "answer": value})
        w.status = "action"
        if step.choices:
            index = next(i for i, c in enumerate(step.choices) if c.value == value)
            choice = step.choices[index]
            if choice.actions:
                w.cursor = (index, 0)
                return True
            self._enter(w, choice.next or step.next or "")
            return True
        if step.next is not None:
            self._enter(w, step.next)
        return True

    def _result(self, w: _Work, pending: dict[str, Any], result: ActionResult) -> None:
        kind = pending["effect"]
        self._event(w, {"event": "result", "effect": kind, "ok": result.ok,
                        **({"error": result.error} if not result.ok else {})})
        w.status = "action"
        if not result.ok and pending.get("lookup"):
            return  # an object that cannot be looked up is simply unknown: the script decides what to do
        if not result.ok:
            self._fail(w, result.error or f"{kind} failed")
            return
        if kind in ("create", "invoke") and pending.get("result"):
            w.vars[pending["result"]] = result.value
        elif kind == "find":
            w.objects[pending["object"]] = result.value
        elif kind == "update":
            current = w.objects.get(pending["object"])
            if isinstance(result.value, dict):
                w.objects[pending["object"]] = result.value
            elif isinstance(current, dict):
                w.objects[pending["object"]] = {**current, **pending["fields"]}
        elif kind in ("transfer", "voicemail"):
            self._end(w, pending["outcome"])

    def _back(self, w: _Work, to: str | None) -> None:
        cps = list(cons_iter(w.checkpoints))
        if w.status == "question" and cps:
            cps = cps[1:]  # the question we are at
        if to is not None:
            while cps and cps[0].frames[-1].step != to:
                cps = cps[1:]
        if not cps:
            raise RunError("there is no earlier question to go back to" if to is None
                           else f"question {to!r} was not answered in this run")
        target = cps[0]
        cell: Cons = None
        for cp in reversed(cps):
            cell = (cp, cell)
        w.checkpoints = cell
        w.frames = list(target.frames)
        w.path = target.path
        w.status, w.outcome, w.pending, w.error = "question", None, None, None
        self._load(w)
        step = w.script.steps[w.step]
        label = self._label(w, step.id)
        self._event(w, {"event": "back", "step": label})
        w.effects.append(Effect("step", step_data(step, w.state.channel, w.scope, label)))

    # calls, ends and errors ----------------------------------------------------------------------
    def _call(self, w: _Work, step: m.CallStep) -> None:
        try:
            params = {a.name: a.value(w.scope) for a in step.args}
            sub = self.scripts.get(step.script)
            frame = self._new_frame(sub, params, w.objects)
        except (ExpressionError, RunError, LookupError) as exc:
            self._fail(w, f"call {step.id!r}: {exc}")
            return
        self._store(w)
        w.frames.append(frame)
        self._load(w)
        self._event(w, {"event": "call", "script": sub.id, "version": sub.version_key})
        self._enter(w, sub.start)

    def _finish(self, w: _Work, step: m.EndStep) -> None:
        if len(w.frames) == 1:
            self._end(w, step.outcome)
            return
        returned = dict(w.vars)
        objects = dict(w.objects)
        w.frames.pop()
        self._load(w)
        call = w.script.steps[w.step]
        assert isinstance(call, m.CallStep)
        for r in call.returns:
            w.vars[r.var] = returned.get(r.source)
        for name, value in objects.items():  # objects found or updated by the sub-script
            if name in w.objects:
                w.objects[name] = value
        self._event(w, {"event": "return", "script": call.script, "outcome": step.outcome})
        self._enter(w, call.next)

    def _end(self, w: _Work, outcome: str) -> None:
        w.status, w.outcome, w.pending = "ended", outcome, None
        self._store(w)
        self._event(w, {"event": "end", "outcome": outcome})
        w.effects.append(Effect("end", {"outcome": outcome, "path": list(reversed(list(cons_iter(w.path))))}))

    def _fail(self, w: _Work, message: str) -> None:
        """Follow the error path: the step's onerror, else the script's, else the caller's, else end 'error'."""
        w.error = message
        w.pending = None
        w.cursor = None
        w.scope.specials["error"] = message  # type: ignore[index]
        self._event(w, {"event": "error", "message": message})
        w.effects.append(Effect("error", {"step": self._label(w, w.step), "message": message}))
        while True:
            step = w.script.steps[w.step]
            target = getattr(step, "onerror", None) or w.script.onerror
            if target is not None and target != w.step:
                w.status = "action"
                self._enter(w, target)
                return
            if len(w.frames) == 1:
                self._end(w, "error")
                return
            w.frames.pop()
            self._load(w)
            w.scope.specials["error"] = message  # type: ignore[index]


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
