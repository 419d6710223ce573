"""A script as a graph for authors: Graphviz DOT text (steps as nodes, transitions with their
conditions as edges; error paths dashed).  ``caruso script graph`` renders SVG with Graphviz's ``dot``."""

from __future__ import annotations

from caruso.script import model as m

_SHAPES = {"info": "note", "question": "box", "decision": "diamond", "action": "component", "call": "box3d",
           "transfer": "cds", "voicemail": "cds", "end": "doublecircle"}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_dot(script: m.Script, channel: str = "agent") -> str:
    lines = [f"digraph {_q(script.id)} {{", f"  label={_q(f'{script.title} (v{script.version})')};",
             "  labelloc=t; rankdir=TB; node [fontname=Helvetica, fontsize=10]; edge [fontname=Helvetica, fontsize=9];",
             '  "__start" [shape=point];', f"  \"__start\" -> {_q(script.start)};"]
    for step in script.steps.values():
        content = getattr(step, "content", None)
        text = ""
        if content is not None:
            template = content.text_for(channel)
            text = _short(template.source) if template is not None else ""
        detail = {"call": lambda s: f"→ {s.script}", "transfer": lambda s: f"queue {s.queue or s.number.source}",
                  "voicemail": lambda s: f"mailbox {s.mailbox}", "end": lambda s: f"outcome {s.outcome}",
                  "action": lambda s: ", ".join(a.kind for a in s.actions)}.get(step.kind)
        if detail is not None:
            text = detail(step) + (f"\n{text}" if text else "")
        label = f"{step.id} ({step.kind})" + (f"\n{text}" if text else "")
        lines.append(f"  {_q(step.id)} [shape={_SHAPES[step.kind]}, label={_q(label)}];")
        for target, label in _edges(step):
            lines.append(f"  {_q(step.id)} -> {_q(target)} [label={_q(label)}];")
        onerror = getattr(step, "onerror", None)
        if onerror:
            lines.append(f"  {_q(step.id)} -> {_q(onerror)} [style=dashed, label=\"error\"];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edges(step: m.Step) -> list[tuple[str, str]]:
    if isinstance(step, m.Decision):
        return [(b.next, _short(b.test.source, 30) if b.test is not None else "otherwise") for b in step.branches]
    if isinstance(step, m.Question):
        edges = [(c.next, c.value + (f" [{c.key}]" if c.key else "")) for c in step.choices if c.next]
        if step.next is not None:
            edges.append((step.next, "answer" if not step.choices else "other choices"))
        return edges
    nxt = getattr(step, "next", None)
    return [(nxt, "")] if nxt else []
