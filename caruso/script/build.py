"""Build the immutable model from a DTD-valid tree, compiling every expression and text template.

Problems are collected (not raised one by one) so an author sees every error of a file at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree

from caruso.script import model as m
from caruso.script.errors import ExpressionError, Problem
from caruso.script.expr import Expression, Template, compile_expression, compile_template
from caruso.script.parse import Source

SPECIALS = ("answers", "channel", "caller", "error", "script")
_CACHE_SIZE = 20_000
_ANY_CHANNEL: frozenset[str] = frozenset()
_CHANNELS = frozenset(m.CHANNELS)
_EXPRESSIONS: dict[tuple[str, frozenset[tuple[str, str]]], Expression] = {}
_TEMPLATES: dict[tuple[str, frozenset[tuple[str, str]]], Template] = {}
T = TypeVar("T")


class Builder:
    def __init__(self, source: Source) -> None:
        self.src = source
        self.problems: list[Problem] = []
        self.names: dict[str, str] = {name: "special" for name in SPECIALS}
        self.signature: frozenset[tuple[str, str]] = frozenset(self.names.items())

    # helpers -----------------------------------------------------------------------------------
    def compile(self, text: str) -> Expression:
        """Compile an expression; the same text with the same declared names compiles once per process
        (a compiled expression is a pure function), which makes reloading a script cheap."""
        key = (text, self.signature)
        found = _EXPRESSIONS.get(key)
        if found is None:
            found = compile_expression(text, self.names)
            if len(_EXPRESSIONS) >= _CACHE_SIZE:
                _EXPRESSIONS.clear()
            _EXPRESSIONS[key] = found
        return found

    def template(self, text: str) -> Template:
        key = (text, self.signature)
        found = _TEMPLATES.get(key)
        if found is None:
            found = compile_template(text, self.names, compile=self.compile)
            if len(_TEMPLATES) >= _CACHE_SIZE:
                _TEMPLATES.clear()
            _TEMPLATES[key] = found
        return found

    def pos(self, el: etree._Element, attr: str | None = None) -> m.Pos:
        line, col = self.src.where(el, attr)
        return m.Pos(self.src.file, line, col)

    def problem(self, el: etree._Element, message: str, attr: str | None = None, inside: int = 0) -> None:
        line, col = self.src.where(el, attr, inside)
        self.problems.append(Problem(self.src.file, line, col, message))

    def expr(self, el: etree._Element, attr: str) -> Expression:
        text = el.get(attr, "")
        try:
            return self.compile(text)
        except ExpressionError as exc:
            self.problem(el, f"bad expression in {attr}=: {exc.message}", attr, exc.offset)
            return compile_expression("null", {})

    def template_attr(self, el: etree._Element, attr: str) -> Template:
        text = el.get(attr, "")
        try:
            return self.template(text)
        except ExpressionError as exc:
            self.problem(el, f"bad text in {attr}=: {exc.message}", attr, exc.offset)
            return compile_template("", {})

    def template_text(self, el: etree._Element) -> Template:
        raw = el.text or ""
        try:
            return self.template(_tidy(raw))
        except ExpressionError as exc:
            where = _tidy_map(raw)[1]
            line, col = self.src.text_where(el, where[min(exc.offset, len(where) - 1)])
            self.problems.append(Problem(self.src.file, line, col, f"bad text: {exc.message}"))
            return compile_template("", {})

    def number(self, el: etree._Element, attr: str, conv: Callable[[str], T] = int) -> T | None:  # type: ignore[assignment]
        text = el.get(attr)
        if text is None:
            return None
        try:
            return conv(text)
        except ValueError:
            self.problem(el, f"{attr}= must be a number, not {text!r}", attr)
            return None

    # script ------------------------------------------------------------------------------------
    def build(self, digest: str) -> m.Script:
        root = self.src.root
        declared: list[m.Variable] = []
        objects: list[m.ObjectRef] = []
        for el in root:
            if not isinstance(el.tag, str):
                continue
            if el.tag in ("param", "var"):
                declared.append(self.variable(el))
            elif el.tag == "object":
                objects.append(m.ObjectRef(self.pos(el), el.get("name"), el.get("class"), el.get("lookup"),
                                           el.get("from")))
                if (el.get("lookup") is None) != (el.get("from") is None):
                    self.problem(el, "lookup= and from= go together")
        seen: dict[str, m.Pos] = {}
        for decl in [*declared, *objects]:
            if decl.name in seen or decl.name in SPECIALS:
                why = "a built-in name" if decl.name in SPECIALS else f"declared already at line {seen[decl.name].line}"
                self.problems.append(Problem(decl.pos.file, decl.pos.line, decl.pos.column,
                                             f"{decl.name!r} is {why}"))
            seen.setdefault(decl.name, decl.pos)
        for v in declared:
            self.names.setdefault(v.name, "var")
        for o in objects:
            self.names.setdefault(o.name, "object")
        self.signature = frozenset(self.names.items())
        steps: dict[str, m.Step] = {}
        for el in root:
            if isinstance(el.tag, str) and el.tag in m.STEP_KINDS:
                step = self.step(el)
                if step.id in steps:
                    self.problem(el, f"step id {step.id!r} is used twice (first at line {steps[step.id].pos.line})",
                                 "id")
                else:
                    steps[step.id] = step
        desc = root.find("description")
        return m.Script(
            id=root.get("id"), title=root.get("title"), version=root.get("version", "1"), digest=digest,
            file=self.src.file, pos=self.pos(root), start=root.get("start"), public=root.get("public") == "yes",
            channels=frozenset(root.get("channels", "agent web voice").split()), onerror=root.get("onerror"),
            description=_tidy(desc.text or "") if desc is not None else "",
            variables=tuple(declared), objects=tuple(objects), steps=steps)

    def variable(self, el: etree._Element) -> m.Variable:
        vtype = el.get("type", "any")
        default = _default(vtype, el.get("default"))
        if default is _BAD:
            self.problem(el, f"default= {el.get('default')!r} is not a {vtype}", "default")
            default = None
        return m.Variable(self.pos(el), el.get("name"), vtype, default, el.tag == "param",  # type: ignore[arg-type]
                          el.get("required") == "yes")

    # content -----------------------------------------------------------------------------------
    def content(self, el: etree._Element) -> m.Content:
        texts, audio = [], []
        for child in el:
            tag = child.tag
            if tag == "text":
                channels = child.get("for")
                if channels is None:
                    texts.append(m.Text(self.template_text(child), _ANY_CHANNEL))
                    continue
                wanted = frozenset(channels.split())
                if not wanted <= _CHANNELS:
                    self.problem(child, f"unknown channel(s) {', '.join(sorted(wanted - _CHANNELS))}; channels "
                                        f"are {', '.join(m.CHANNELS)}", "for")
                texts.append(m.Text(self.template_text(child), wanted))
            elif tag == "audio":
                fallback = self.template_text(child) if (child.text or "").strip() else None
                audio.append(m.Audio(self.template_attr(child, "src"), fallback))
        return m.Content(tuple(texts), tuple(audio))

    # actions -----------------------------------------------------------------------------------
    def actions(self, el: etree._Element) -> tuple[m.Action, ...]:
        out: list[m.Action] = []
        for a in el:
            tag = a.tag
            if tag == "set":
                out.append(m.SetAction(self.pos(a), a.get("var"), self.expr(a, "value")))
            elif tag == "email":
                cc = self.expr(a, "cc") if a.get("cc") else None
                out.append(m.EmailAction(self.pos(a), self.expr(a, "to"), cc, self.template_attr(a, "subject"),
                                         self.template_text(a), a.get("template") or ""))
            elif tag == "update":
                out.append(m.UpdateAction(self.pos(a), a.get("object"), self.fields(a, "field")))
            elif tag == "create":
                out.append(m.CreateAction(self.pos(a), a.get("class"), self.fields(a, "field"), a.get("result")))
            elif tag == "find":
                out.append(m.FindAction(self.pos(a), a.get("object"), a.get("by"), self.expr(a, "value")))
            elif tag == "invoke":
                out.append(m.InvokeAction(self.pos(a), a.get("service"), a.get("operation"),
                                          self.fields(a, "arg"), a.get("result")))
        return tuple(out)

    def fields(self, el: etree._Element, tag: str) -> tuple[m.FieldValue, ...]:
        return tuple(m.FieldValue(f.get("name"), self.expr(f, "value")) for f in el if f.tag == tag)

    # steps -------------------------------------------------------------------------------------
    def step(self, el: etree._Element) -> m.Step:
        sid, pos, tag = el.get("id"), self.pos(el), el.tag
        if tag == "info":
            return m.Info(sid, pos, self.content(el), el.get("next"))
        if tag == "question":
            return self.question(el)
        if tag == "decision":
            branches = []
            for b in el:
                if b.tag == "when":
                    branches.append(m.Branch(self.pos(b), self.expr(b, "test"), b.get("next"), self.actions(b)))
                elif b.tag == "otherwise":
                    branches.append(m.Branch(self.pos(b), None, b.get("next"), self.actions(b)))
            return m.Decision(sid, pos, tuple(branches))
        if tag == "action":
            return m.ActionStep(sid, pos, self.actions(el), el.get("next"), el.get("onerror"))
        if tag == "call":
            args = tuple(m.Argument(self.pos(w), w.get("name"), self.expr(w, "value")) for w in el if w.tag == "with")
            rets = tuple(m.Returned(self.pos(r), r.get("var"), r.get("from")) for r in el if r.tag == "return")
            return m.CallStep(sid, pos, el.get("script"), args, rets, el.get("next"), el.get("onerror"))
        if tag == "transfer":
            if (el.get("queue") is None) == (el.get("number") is None):
                self.problem(el, "a transfer needs exactly one of queue= or number=")
            number = self.expr(el, "number") if el.get("number") is not None else None
            return m.TransferStep(sid, pos, self.content(el), el.get("queue"), number,
                                  el.get("outcome", "transferred"), el.get("onerror"))
        if tag == "voicemail":
            return m.VoicemailStep(sid, pos, self.content(el), el.get("mailbox"), el.get("outcome", "voicemail"),
                                   el.get("onerror"))
        return m.EndStep(sid, pos, self.content(el), el.get("outcome"))

    def question(self, el: etree._Element) -> m.Question:
        qtype = el.get("type")
        choices = []
        for c in el:
            if c.tag != "choice":
                continue
            label = self.content(c)
            if label.empty:
                label = m.Content((m.Text(self.template_attr(c, "label") if c.get("label") is not None
                                          else compile_template(c.get("value"), {}), frozenset()),))
            choices.append(m.Choice(self.pos(c), c.get("value"), label, c.get("key"), c.get("next"),
                                    self.actions(c)))
        if qtype == "choice" and not choices:
            self.problem(el, "a choice question needs at least one <choice>")
        if qtype != "choice" and choices:
            self.problem(el, f"only type=\"choice\" questions have <choice> elements, this one is {qtype!r}")
        keys = [c.key for c in choices if c.key is not None]
        if len(keys) != len(set(keys)):
            self.problem(el, "two choices have the same key=")
        values = [c.value for c in choices]
        if len(values) != len(set(values)):
            self.problem(el, "two choices have the same value=")
        for c in choices:
            if c.key is not None and not re.fullmatch(r"[0-9*#]", c.key):
                self.problems.append(Problem(c.pos.file, c.pos.line, c.pos.column,
                                             f"key= must be one DTMF key (0-9, * or #), not {c.key!r}"))
        pattern = el.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                self.problem(el, f"pattern= is not a valid regular expression: {exc}", "pattern")
        message = self.template_attr(el, "message") if el.get("message") is not None else None
        for attr in ("min", "max"):
            value = el.get(attr)
            if value is not None and qtype == "number":
                self.number(el, attr, float)
            elif value is not None and qtype == "date" and _default("date", value) is _BAD:
                self.problem(el, f"{attr}= must be a date YYYY-MM-DD", attr)
            elif value is not None and qtype not in ("number", "date"):
                self.problem(el, f"{attr}= applies to number and date questions", attr)
        constraints = m.Constraints(el.get("required", "yes") == "yes", el.get("min"), el.get("max"),
                                    self.number(el, "minlength"), self.number(el, "maxlength"), pattern, message)
        return m.Question(el.get("id"), self.pos(el), qtype, el.get("var"), self.content(el),  # type: ignore[arg-type]
                          tuple(choices), constraints, el.get("next"))


_BAD = object()


def _default(vtype: str, text: str | None) -> Any:
    if text is None:
        return {"list": [], "boolean": False}.get(vtype)
    if vtype == "number":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return _BAD
    if vtype == "boolean":
        return {"true": True, "yes": True, "false": False, "no": False}.get(text.strip().lower(), _BAD)
    if vtype == "date":
        return text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _BAD
    if vtype == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _tidy_map(raw: str) -> tuple[str, list[int]]:
    """Collapse the indentation of element text (blank lines keep paragraphs apart, other runs of
    white space become one space); also return, for each output character, its offset in *raw*."""
    out: list[str] = []
    where: list[int] = []
    prev_end = None
    for word in re.finditer(r"\S+", raw):
        if prev_end is not None:
            gap = "\n\n" if re.search(r"\n[ \t\r]*\n", raw[prev_end:word.start()]) else " "
            out.append(gap)
            where.extend([prev_end] * len(gap))
        out.append(word.group())
        where.extend(range(word.start(), word.end()))
        prev_end = word.end()
    where.append(prev_end or 0)
    return "".join(out), where


_PARAGRAPH = re.compile(r"\n[ \t\r]*\n")


def _tidy(text: str) -> str:
    if _PARAGRAPH.search(text) is None:
        return " ".join(text.split())
    return _tidy_map(text)[0]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
