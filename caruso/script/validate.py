"""Semantic checks of a built script: what a DTD cannot say.

Unique ids and compiled expressions are checked while building; here: the start step and every
target exist, every step is reachable, every step has a way out (can reach an end), variables and
objects are declared before use, sub-scripts exist and their parameters and returned values match.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from caruso.script import model as m
from caruso.script.errors import Problem


def _p(pos: m.Pos, message: str) -> Problem:
    return Problem(pos.file, pos.line, pos.column, message)


def targets(step: m.Step) -> Iterator[tuple[str, m.Pos, str]]:
    """(target step id, where it is named, how) for every transition out of *step*."""
    if isinstance(step, (m.Info, m.ActionStep, m.CallStep)):
        yield step.next, step.pos, "next"
    if isinstance(step, m.Question):
        if step.next is not None:
            yield step.next, step.pos, "next"
        for c in step.choices:
            if c.next is not None:
                yield c.next, c.pos, "next"
    if isinstance(step, m.Decision):
        for b in step.branches:
            yield b.next, b.pos, "next"
    if isinstance(step, (m.ActionStep, m.CallStep, m.TransferStep, m.VoicemailStep)) and step.onerror:
        yield step.onerror, step.pos, "onerror"


def step_actions(step: m.Step) -> Iterator[m.Action]:
    if isinstance(step, m.ActionStep):
        yield from step.actions
    elif isinstance(step, m.Question):
        for c in step.choices:
            yield from c.actions
    elif isinstance(step, m.Decision):
        for b in step.branches:
            yield from b.actions


def validate(script: m.Script, scripts: Mapping[str, m.Script]) -> list[Problem]:
    """Every problem of *script*; *scripts* are the others it may call (by id)."""
    problems: list[Problem] = []
    steps = script.steps
    if script.start not in steps:
        problems.append(_p(script.pos, f"start step {script.start!r} does not exist"))
    if script.onerror is not None and script.onerror not in steps:
        problems.append(_p(script.pos, f"onerror step {script.onerror!r} does not exist"))
    graph: dict[str, set[str]] = {sid: set() for sid in steps}
    for step in steps.values():
        for target, pos, how in targets(step):
            if target not in steps:
                problems.append(_p(pos, f"{how}={target!r}: there is no step {target!r}"))
            else:
                graph[step.id].add(target)
        if script.onerror in steps and _can_fail(step):
            graph[step.id].add(script.onerror)
        if isinstance(step, m.Question) and step.next is None:
            missing = [c for c in step.choices if c.next is None]
            if step.type != "choice" or missing:
                problems.append(_p(step.pos, f"question {step.id!r} has no way out: give it next= "
                                             "(or every choice a next=)"))
    problems += _reachability(script, graph)
    problems += _declarations(script)
    problems += _calls(script, scripts)
    return problems


def _can_fail(step: m.Step) -> bool:
    if isinstance(step, (m.CallStep, m.TransferStep, m.VoicemailStep)):
        return True
    return any(a.kind != "set" for a in step_actions(step)) or isinstance(step, m.Decision)


def _reachability(script: m.Script, graph: dict[str, set[str]]) -> list[Problem]:
    problems = []
    if script.start in graph:
        seen = {script.start}
        todo = [script.start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        for sid, step in script.steps.items():
            if sid not in seen:
                problems.append(_p(step.pos, f"step {sid!r} is unreachable from the start step {script.start!r}"))
    # a way out: every step reaches a step that ends the run (end, transfer, voicemail)
    reverse: dict[str, set[str]] = {sid: set() for sid in graph}
    for sid, outs in graph.items():
        for nxt in outs:
            reverse[nxt].add(sid)
    finishing = [sid for sid, s in script.steps.items() if isinstance(s, (m.EndStep, m.TransferStep, m.VoicemailStep))]
    alive = set(finishing)
    todo = list(finishing)
    while todo:
        for prev in reverse[todo.pop()]:
            if prev not in alive:
                alive.add(prev)
                todo.append(prev)
    for sid, step in script.steps.items():
        if sid not in alive:
            problems.append(_p(step.pos, f"step {sid!r} has no way out: no path from it reaches an end"))
    return problems


def _declarations(script: m.Script) -> list[Problem]:
    problems = []
    variables = {v.name for v in script.variables}
    objects = {o.name for o in script.objects}

    def need_var(name: str | None, pos: m.Pos, what: str) -> None:
        if name is not None and name not in variables:
            problems.append(_p(pos, f"{what} {name!r} is not declared: add <var name=\"{name}\" …/>"))

    def need_object(name: str, pos: m.Pos) -> None:
        if name not in objects:
            problems.append(_p(pos, f"object {name!r} is not declared: add <object name=\"{name}\" …/>"))

    for step in script.steps.values():
        if isinstance(step, m.Question):
            need_var(step.var, step.pos, "variable")
        if isinstance(step, m.CallStep):
            for r in step.returns:
                need_var(r.var, r.pos, "variable")
        for a in step_actions(step):
            if isinstance(a, m.SetAction):
                need_var(a.var, a.pos, "variable")
            elif isinstance(a, (m.CreateAction, m.InvokeAction)):
                need_var(a.result, a.pos, "result variable")
            elif isinstance(a, (m.UpdateAction, m.FindAction)):
                need_object(a.object, a.pos)
    return problems


def _calls(script: m.Script, scripts: Mapping[str, m.Script]) -> list[Problem]:
    problems = []
    for step in script.steps.values():
        if not isinstance(step, m.CallStep):
            continue
        sub = scripts.get(step.script)
        if sub is None:
            problems.append(_p(step.pos, f"sub-script {step.script!r} does not exist"))
            continue
        params = {p.name: p for p in sub.params}
        given = set()
        for arg in step.args:
            given.add(arg.name)
            if arg.name not in params:
                known = ", ".join(sorted(params)) or "none"
                problems.append(_p(arg.pos, f"sub-script {sub.id!r} has no parameter {arg.name!r} (its parameters: "
                                            f"{known})"))
        for p in params.values():
            if p.required and p.name not in given:
                problems.append(_p(step.pos, f"sub-script {sub.id!r} needs parameter {p.name!r}"))
        sub_vars = {v.name for v in sub.variables}
        for r in step.returns:
            if r.source not in sub_vars:
                problems.append(_p(r.pos, f"sub-script {sub.id!r} has no variable {r.source!r} to return"))
    return problems
