"""Semantic checks of a built script: what a DTD cannot say.

Unique ids and compiled expressions are checked while building; here: the start step and every
target exist, every step is reachable, every step has a way out (can reach an end), variables and
objects are declared before use, sub-scripts exist and their parameters and returned values match.

One pass over the steps collects the transitions and checks names; positions are only worked out for
the parts that have a problem (``script.pos_of``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from caruso.script import model as m
from caruso.script.errors import Problem

_FINISHING = frozenset(("end", "transfer", "voicemail"))
_ALWAYS_FAIL = frozenset(("call", "transfer", "voicemail", "decision"))  # may take the script's onerror path
_ONERROR = frozenset(("action", "call", "transfer", "voicemail"))


def targets(step: m.Step) -> Iterator[tuple[str, m.Located, str]]:
    """(target step id, the part that names it, how) for every transition out of *step*."""
    kind = step.kind
    if kind in ("info", "action", "call"):
        yield step.next, step, "next"  # type: ignore[union-attr,misc]
    elif kind == "question":
        if step.next is not None:  # type: ignore[union-attr]
            yield step.next, step, "next"  # type: ignore[union-attr,misc]
        for c in step.choices:  # type: ignore[union-attr]
            if c.next is not None:
                yield c.next, c, "next"
    elif kind == "decision":
        for b in step.branches:  # type: ignore[union-attr]
            yield b.next, b, "next"
    if kind in _ONERROR and step.onerror:  # type: ignore[union-attr]
        yield step.onerror, step, "onerror"  # type: ignore[union-attr,misc]


def step_actions(step: m.Step) -> tuple[m.Action, ...]:
    kind = step.kind
    if kind == "action":
        return step.actions  # type: ignore[union-attr]
    if kind == "question" and step.choices:  # type: ignore[union-attr]
        return tuple(a for c in step.choices for a in c.actions)  # type: ignore[union-attr]
    if kind == "decision":
        return tuple(a for b in step.branches for a in b.actions)  # type: ignore[union-attr]
    return ()


def validate(script: m.Script, scripts: Mapping[str, m.Script]) -> list[Problem]:
    """Every problem of *script*; *scripts* are the others it may call (by id)."""
    found: list[tuple[m.Located | m.Script, str]] = []  # (part, message), positions worked out at the end
    steps = script.steps
    if script.start not in steps:
        found.append((script, f"start step {script.start!r} does not exist"))
    if script.onerror is not None and script.onerror not in steps:
        found.append((script, f"onerror step {script.onerror!r} does not exist"))
    onerror = script.onerror if script.onerror in steps else None
    variables = {v.name for v in script.variables}
    objects = {o.name for o in script.objects}
    graph: dict[str, tuple[str, ...]] = {}
    finishing: list[str] = []  # steps that end the run
    for sid, step in steps.items():
        kind = step.kind
        # the common cases inline (all targets exist, nothing else to check); the others in full below
        if kind == "info":
            nxt = step.next  # type: ignore[union-attr]
            if nxt in steps:
                graph[sid] = (nxt,)
                continue
        elif kind == "end":
            graph[sid] = ()
            finishing.append(sid)
            continue
        elif kind == "decision" and onerror is None:
            for b in step.branches:  # type: ignore[union-attr]
                if b.next not in steps or b.actions:
                    break
            else:
                graph[sid] = tuple([b.next for b in step.branches])  # type: ignore[union-attr]
                continue
        elif kind == "action" and onerror is None and step.onerror is None:  # type: ignore[union-attr]
            if step.next in steps:  # type: ignore[union-attr]
                for a in step.actions:  # type: ignore[union-attr]
                    if a.kind != "set" or a.var not in variables:  # type: ignore[union-attr]
                        break
                else:
                    graph[sid] = (step.next,)  # type: ignore[union-attr]
                    continue
        elif kind == "question" and not step.choices and step.next in steps:  # type: ignore[union-attr]
            graph[sid] = (step.next,)  # type: ignore[union-attr]
            if step.var is not None and step.var not in variables:  # type: ignore[union-attr]
                found.append((step, _undeclared("variable", step.var)))  # type: ignore[union-attr]
            continue
        outs = []
        for target, part, how in targets(step):
            if target in steps:
                outs.append(target)
            else:
                found.append((part, f"{how}={target!r}: there is no step {target!r}"))
        actions = step_actions(step)
        if onerror is not None and (kind in _ALWAYS_FAIL or any(a.kind != "set" for a in actions)):
            outs.append(onerror)
        graph[sid] = tuple(outs)
        if kind in _FINISHING:
            finishing.append(sid)
        if kind == "question":
            if step.next is None and (step.type != "choice"  # type: ignore[union-attr]
                                      or any(c.next is None for c in step.choices)):  # type: ignore[union-attr]
                found.append((step, f"question {sid!r} has no way out: give it next= (or every choice a next=)"))
            if step.var is not None and step.var not in variables:  # type: ignore[union-attr]
                found.append((step, _undeclared("variable", step.var)))  # type: ignore[union-attr]
        elif kind == "call":
            for r in step.returns:  # type: ignore[union-attr]
                if r.var not in variables:
                    found.append((r, _undeclared("variable", r.var)))
        for a in actions:
            akind = a.kind
            if akind == "set":
                if a.var not in variables:  # type: ignore[union-attr]
                    found.append((a, _undeclared("variable", a.var)))  # type: ignore[union-attr]
            elif akind == "create" or akind == "invoke":
                if a.result is not None and a.result not in variables:  # type: ignore[union-attr]
                    found.append((a, _undeclared("result variable", a.result)))  # type: ignore[union-attr]
            elif akind == "update" or akind == "find":
                if a.object not in objects:  # type: ignore[union-attr]
                    found.append((a, f"object {a.object!r} is not declared: "  # type: ignore[union-attr]
                                     f"add <object name=\"{a.object}\" …/>"))  # type: ignore[union-attr]
    found += _reachability(script, graph, finishing)
    found += _calls(script, scripts)
    pos = script.pos_of
    return [Problem(*pos(part), message) for part, message in found]


def _undeclared(what: str, name: str) -> str:
    return f"{what} {name!r} is not declared: add <var name=\"{name}\" …/>"


def _reachability(script: m.Script, graph: dict[str, tuple[str, ...]],
                  finishing: list[str]) -> list[tuple[m.Located, str]]:
    found: list[tuple[m.Located, str]] = []
    steps = script.steps
    order: list[str] = []  # reachable steps in the order found
    if script.start in graph:
        seen = {script.start}
        todo = [script.start]
        order.append(script.start)
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
                    order.append(nxt)
        if len(seen) != len(steps):
            for sid, step in steps.items():
                if sid not in seen:
                    found.append((step, f"step {sid!r} is unreachable from the start step {script.start!r}"))
    # a way out: every step reaches a step that ends the run (end, transfer, voicemail).  One pass
    # backwards over the order found settles the usual script (only marks a step whose next is known
    # to have a way out); whatever is left is settled exactly by a search back from the ends.
    alive = set(finishing)
    for sid in reversed(order):
        if sid not in alive:
            for nxt in graph[sid]:
                if nxt in alive:
                    alive.add(sid)
                    break
    if len(alive) != len(steps):
        reverse: dict[str, list[str]] = {}
        for sid, outs in graph.items():
            for nxt in outs:
                reverse.setdefault(nxt, []).append(sid)
        todo = list(alive)
        while todo:
            for prev in reverse.get(todo.pop(), ()):
                if prev not in alive:
                    alive.add(prev)
                    todo.append(prev)
        for sid, step in steps.items():
            if sid not in alive:
                found.append((step, f"step {sid!r} has no way out: no path from it reaches an end"))
    return found


def _calls(script: m.Script, scripts: Mapping[str, m.Script]) -> list[tuple[m.Located, str]]:
    found: list[tuple[m.Located, str]] = []
    for step in script.steps.values():
        if step.kind != "call":
            continue
        assert isinstance(step, m.CallStep)
        sub = scripts.get(step.script)
        if sub is None:
            found.append((step, f"sub-script {step.script!r} does not exist"))
            continue
        params = {p.name: p for p in sub.params}
        given = set()
        for arg in step.args:
            given.add(arg.name)
            if arg.name not in params:
                known = ", ".join(sorted(params)) or "none"
                found.append((arg, f"sub-script {sub.id!r} has no parameter {arg.name!r} (its parameters: {known})"))
        for p in params.values():
            if p.required and p.name not in given:
                found.append((step, f"sub-script {sub.id!r} needs parameter {p.name!r}"))
        sub_vars = {v.name for v in sub.variables}
        for r in step.returns:
            if r.source not in sub_vars:
                found.append((r, f"sub-script {sub.id!r} has no variable {r.source!r} to return"))
    return found
