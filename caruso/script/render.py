"""Render a step's content for a channel into the data of a ``step`` effect.

Fallback, per channel: the text marked ``for`` the channel, else the text without ``for``.  On the
phone (voice), ``audio`` files come first, each with its fallback text for TTS; when a step has no
audio the text is spoken.
"""

from __future__ import annotations

from typing import Any

from caruso.script import model as m
from caruso.script.expr import Scope


def render_content(content: m.Content, channel: str, scope: Scope) -> tuple[str | None, list[dict[str, Any]]]:
    template = content.text_for(channel)
    text = template.render(scope) if template is not None else None
    audio: list[dict[str, Any]] = []
    if channel == "voice":
        for a in content.audio:
            spoken = a.fallback.render(scope) if a.fallback is not None else text
            audio.append({"src": a.src.render(scope), "text": spoken})
    return text, audio


def step_data(step: m.Step, channel: str, scope: Scope, label: str) -> dict[str, Any]:
    data: dict[str, Any] = {"step": label, "kind": step.kind}
    kind = step.kind
    if kind == "decision" or kind == "action" or kind == "call":
        return data
    content: m.Content = step.content  # type: ignore[union-attr]
    if content.texts or content.audio:
        text, audio = render_content(content, channel, scope)
        if text is not None:
            data["text"] = text
        if audio:
            data["audio"] = audio
    if kind == "question":
        assert isinstance(step, m.Question)
        ask = dict(step.ask)
        if step.choices:
            ask["choices"] = [_choice(ch, channel, scope) for ch in step.choices]
        data["input"] = ask
    elif kind == "end":
        data["outcome"] = step.outcome  # type: ignore[union-attr]
    return data


def _choice(ch: m.Choice, channel: str, scope: Scope) -> dict[str, Any]:
    label, audio = render_content(ch.label, channel, scope)
    out: dict[str, Any] = {"value": ch.value, "label": label if label is not None else ch.value}
    if ch.key is not None:
        out["key"] = ch.key
    if audio:
        out["audio"] = audio
    return out
