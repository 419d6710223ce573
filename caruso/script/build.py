"""Build the immutable model from a DTD-valid tree, compiling every expression and text template.

One pass over the tree: each element is read once, where its part of the model is made; parts keep
the element as their ``at`` handle, so positions are only worked out when a problem is reported.

Problems are collected (not raised one by one) so an author sees every error of a file at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from lxml import etree

from caruso.script import model as m
from caruso.script.errors import ExpressionError, Problem
from caruso.script.expr import Expression, Template, compile_expression, compile_template
from caruso.script.parse import Source
from caruso.script.text import BAD, default_value, tidy, tidy_map

SPECIALS = ("answers", "channel", "caller", "error", "script")
_CACHE_SIZE = 20_000
_ANY_CHANNEL: frozenset[str] = frozenset()
_CHANNELS = frozenset(m.CHANNELS)


class Compiled:
    """What was compiled for one set of declared names, by source text: a compiled expression is a pure
    function of its text and the names, so the same text compiles once per process (reloading is cheap)."""

    __slots__ = ("expressions", "templates", "texts", "plain_texts")

    def __init__(self) -> None:
        self.expressions: dict[str, Expression] = {}
        self.templates: dict[str, Template] = {}
        self.texts: dict[str, Template] = {}  # by an element's raw (untidied) text
        self.plain_texts: dict[str, m.Text] = {}  # <text> without for=, by its raw text


_COMPILED: dict[frozenset[tuple[str, str]], Compiled] = {}


def compiled_for(signature: frozenset[tuple[str, str]]) -> Compiled:
    found = _COMPILED.get(signature)
    if found is None:
        if len(_COMPILED) >= 256:  # bounded: many differently declared scripts start again from empty
            _COMPILED.clear()
        found = _COMPILED[signature] = Compiled()
    return found


def clear_caches() -> None:
    """Forget every compiled expression and text (the benchmark's first-load figure)."""
    _COMPILED.clear()


def _remember(cache: dict[str, T], text: str, value: T) -> T:
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[text] = value
    return value

_STEP_TAGS = frozenset(m.STEP_KINDS)
_NO_AUDIO: tuple[m.Audio, ...] = ()
_CHANNEL_SETS = {" ".join(combo): frozenset(combo) for combo in (  # the usual for= values, made once
    ("agent",), ("web",), ("voice",), ("agent", "web"), ("web", "agent"), ("agent", "voice"), ("voice", "agent"),
    ("web", "voice"), ("voice", "web"), ("agent", "web", "voice"))}
# NamedTuple parts are made with tuple.__new__ in the hot paths (half the cost of calling the class);
# every field is given, in order (tests/script/test_model.py checks every part of every shipped script)
new = tuple.__new__
T = TypeVar("T")


class Builder:
    def __init__(self, source: Source) -> None:
        self.src = source
        self.problems: list[Problem] = []
        self.names: dict[str, str] = {name: "special" for name in SPECIALS}
        self.compiled = compiled_for(frozenset(self.names.items()))

    # helpers -----------------------------------------------------------------------------------
    def compile(self, text: str) -> Expression:
        """Compile an expression; the same text with the same declared names compiles once per process
        (a compiled expression is a pure function), which makes reloading a script cheap."""
        found = self.compiled.expressions.get(text)
        if found is None:
            found = _remember(self.compiled.expressions, text, compile_expression(text, self.names))
        return found

    def template(self, text: str) -> Template:
        found = self.compiled.templates.get(text)
        if found is None:
            found = _remember(self.compiled.templates, text, compile_template(text, self.names, compile=self.compile))
        return found

    def problem(self, el: etree._Element, message: str, attr: str | None = None, inside: int = 0) -> None:
        line, col = self.src.where(el, attr, inside)
        self.problems.append(Problem(self.src.file, line, col, message))

    def problem_at(self, part: m.Located, message: str) -> None:
        line, col = self.src.where(part.at)
        self.problems.append(Problem(self.src.file, line, col, message))

    def expr(self, el: etree._Element, attr: str) -> Expression:
        text = el.get(attr, "")
        found = self.compiled.expressions.get(text)
        if found is not None:
            return found
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
        """The template of *el*'s text, its indentation tidied (cached by the raw text)."""
        raw = el.text or ""
        found = self.compiled.texts.get(raw)
        if found is not None:
            return found
        try:
            found = self.template(tidy(raw))
        except ExpressionError as exc:
            where = tidy_map(raw)[1]
            line, col = self.src.text_where(el, where[min(exc.offset, len(where) - 1)])
            self.problems.append(Problem(self.src.file, line, col, f"bad text: {exc.message}"))
            return compile_template("", {})
        return _remember(self.compiled.texts, raw, found)

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
        desc = None
        children = root[:]  # a slice of the children: cheaper than lxml's child iterator
        first_step = len(children)
        for i, el in enumerate(children):  # the DTD puts the declarations before the steps
            tag = el.tag
            if tag in _STEP_TAGS:
                first_step = i
                break
            elif tag == "param" or tag == "var":
                declared.append(self.variable(el))
            elif tag == "object":
                get = el.get
                objects.append(new(m.ObjectRef, (el, get("name"), get("class"), get("lookup"), get("from"))))
                if (get("lookup") is None) != (get("from") is None):
                    self.problem(el, "lookup= and from= go together")
            elif tag == "description":
                desc = el
        seen: dict[str, m.Variable | m.ObjectRef] = {}
        for decl in [*declared, *objects]:
            if decl.name in seen or decl.name in SPECIALS:
                why = ("a built-in name" if decl.name in SPECIALS
                       else f"declared already at line {self.src.where(seen[decl.name].at)[0]}")
                self.problem_at(decl, f"{decl.name!r} is {why}")
            seen.setdefault(decl.name, decl)
        for v in declared:
            self.names.setdefault(v.name, "var")
        for o in objects:
            self.names.setdefault(o.name, "object")
        self.compiled = compiled_for(frozenset(self.names.items()))
        steps: dict[str, m.Step] = {}
        make = {"info": self.info, "question": self.question, "decision": self.decision, "action": self.action,
                "call": self.call, "transfer": self.transfer, "voicemail": self.voicemail, "end": self.end}
        for el in children[first_step:]:
            tag = el.tag
            if tag not in _STEP_TAGS:
                continue  # a comment or processing instruction
            step = make[tag](el)
            sid = step.id
            if sid in steps:
                first = self.src.where(steps[sid].at)[0]
                self.problem(el, f"step id {sid!r} is used twice (first at line {first})", "id")
            else:
                steps[sid] = step
        get = root.get
        return m.Script(
            id=get("id"), title=get("title"), version=get("version", "1"), digest=digest,
            file=self.src.file, at=root, start=get("start"), public=get("public") == "yes",
            channels=frozenset(get("channels", "agent web voice").split()), onerror=get("onerror"),
            description=tidy(desc.text or "") if desc is not None else "",
            variables=tuple(declared), objects=tuple(objects), steps=steps, source=self.src)

    def variable(self, el: etree._Element) -> m.Variable:
        vtype = el.get("type", "any")
        default = default_value(vtype, el.get("default"))
        if default is BAD:
            self.problem(el, f"default= {el.get('default')!r} is not a {vtype}", "default")
            default = None
        return m.Variable(el, el.get("name"), vtype, default, el.tag == "param",  # type: ignore[arg-type]
                          el.get("required") == "yes")

    # content -----------------------------------------------------------------------------------
    def content(self, el: etree._Element) -> m.Content:
        texts, audio = [], []
        known, plain = self.compiled.texts, self.compiled.plain_texts
        for child in el[:]:
            tag = child.tag
            if tag == "text":
                raw = child.text or ""
                channels = child.get("for")
                if channels is None:  # the usual case: one Text per distinct text (it is immutable)
                    text = plain.get(raw)
                    if text is None:
                        text = new(m.Text, (self.template_text(child), _ANY_CHANNEL))
                        if raw in known:  # compiled without a problem
                            _remember(plain, raw, text)
                    texts.append(text)
                    continue
                template = known.get(raw)
                if template is None:
                    template = self.template_text(child)
                wanted = _CHANNEL_SETS.get(channels)
                if wanted is None:
                    wanted = frozenset(channels.split())
                    if not wanted <= _CHANNELS:
                        self.problem(child, f"unknown channel(s) {', '.join(sorted(wanted - _CHANNELS))}; channels "
                                            f"are {', '.join(m.CHANNELS)}", "for")
                texts.append(new(m.Text, (template, wanted)))
            elif tag == "audio":
                fallback = self.template_text(child) if (child.text or "").strip() else None
                audio.append(new(m.Audio, (self.template_attr(child, "src"), fallback)))
        return new(m.Content, (tuple(texts), _NO_AUDIO if not audio else tuple(audio), {}))

    # actions -----------------------------------------------------------------------------------
    def actions(self, el: etree._Element) -> tuple[m.Action, ...]:
        out: list[m.Action] = []
        known = self.compiled.expressions
        for a in el[:]:
            tag = a.tag
            if tag == "set":
                value = known.get(a.get("value"))
                if value is None:
                    value = self.expr(a, "value")
                out.append(new(m.SetAction, (a, a.get("var"), value, "set")))
            elif tag == "email":
                cc = self.expr(a, "cc") if a.get("cc") else None
                out.append(m.EmailAction(a, self.expr(a, "to"), cc, self.template_attr(a, "subject"),
                                         self.template_text(a), a.get("template") or ""))
            elif tag == "update":
                out.append(m.UpdateAction(a, a.get("object"), self.fields(a, "field")))
            elif tag == "create":
                out.append(m.CreateAction(a, a.get("class"), self.fields(a, "field"), a.get("result")))
            elif tag == "find":
                out.append(m.FindAction(a, a.get("object"), a.get("by"), self.expr(a, "value")))
            elif tag == "invoke":
                out.append(m.InvokeAction(a, a.get("service"), a.get("operation"), self.fields(a, "arg"),
                                          a.get("result")))
        return tuple(out)

    def fields(self, el: etree._Element, tag: str) -> tuple[m.FieldValue, ...]:
        return tuple(m.FieldValue(f.get("name"), self.expr(f, "value")) for f in el if f.tag == tag)

    # steps (one method per kind) ---------------------------------------------------------------
    def info(self, el: etree._Element) -> m.Info:
        return new(m.Info, (el.get("id"), el, self.content(el), el.get("next"), "info"))

    def decision(self, el: etree._Element) -> m.Decision:
        branches = []
        known = self.compiled.expressions
        for b in el[:]:
            tag = b.tag
            if tag == "when":
                test = known.get(b.get("test"))
                if test is None:
                    test = self.expr(b, "test")
                branches.append(new(m.Branch, (b, test, b.get("next"), self.actions(b) if len(b) else ())))
            elif tag == "otherwise":
                branches.append(new(m.Branch, (b, None, b.get("next"), self.actions(b) if len(b) else ())))
        return new(m.Decision, (el.get("id"), el, tuple(branches), "decision"))

    def action(self, el: etree._Element) -> m.ActionStep:
        get = el.get
        return new(m.ActionStep, (get("id"), el, self.actions(el), get("next"), get("onerror"), "action"))

    def call(self, el: etree._Element) -> m.CallStep:
        args = tuple(m.Argument(w, w.get("name"), self.expr(w, "value")) for w in el if w.tag == "with")
        rets = tuple(m.Returned(r, r.get("var"), r.get("from")) for r in el if r.tag == "return")
        return m.CallStep(el.get("id"), el, el.get("script"), args, rets, el.get("next"), el.get("onerror"))

    def transfer(self, el: etree._Element) -> m.TransferStep:
        if (el.get("queue") is None) == (el.get("number") is None):
            self.problem(el, "a transfer needs exactly one of queue= or number=")
        number = self.expr(el, "number") if el.get("number") is not None else None
        return m.TransferStep(el.get("id"), el, self.content(el), el.get("queue"), number,
                              el.get("outcome", "transferred"), el.get("onerror"))

    def voicemail(self, el: etree._Element) -> m.VoicemailStep:
        return m.VoicemailStep(el.get("id"), el, self.content(el), el.get("mailbox"), el.get("outcome", "voicemail"),
                               el.get("onerror"))

    def end(self, el: etree._Element) -> m.EndStep:
        return new(m.EndStep, (el.get("id"), el, self.content(el), el.get("outcome"), "end"))

    def question(self, el: etree._Element) -> m.Question:
        a = dict(el.items())  # one call for all its attributes (a question has many optional ones)
        qtype = a["type"]
        choices = []
        if len(el) > 1:
            for c in el:
                if c.tag != "choice":
                    continue
                label = self.content(c)
                if label.empty:
                    label = m.content((m.Text(self.template_attr(c, "label") if c.get("label") is not None
                                              else compile_template(c.get("value"), {}), frozenset()),))
                choices.append(m.Choice(c, c.get("value"), label, c.get("key"), c.get("next"), self.actions(c)))
        if choices or qtype == "choice":
            self.check_choices(el, qtype, choices)
        low, high, pattern = a.get("min"), a.get("max"), a.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                self.problem(el, f"pattern= is not a valid regular expression: {exc}", "pattern")
        if low is not None or high is not None:
            try:
                if qtype != "number":
                    raise ValueError  # dates and misplaced bounds: checked in full
                float(low) if low is not None else None
                float(high) if high is not None else None
            except ValueError:
                self.check_bounds(el, qtype, low, high)
        message = self.template_attr(el, "message") if "message" in a else None
        constraints = new(m.Constraints, (a.get("required", "yes") == "yes", low, high,
                                          self.number(el, "minlength") if "minlength" in a else None,
                                          self.number(el, "maxlength") if "maxlength" in a else None,
                                          pattern, message))
        return new(m.Question, (a["id"], el, qtype, a.get("var"), self.content(el), tuple(choices),
                                constraints, a.get("next"), {}, "question"))

    def check_choices(self, el: etree._Element, qtype: str, choices: list[m.Choice]) -> None:
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
                self.problem_at(c, f"key= must be one DTMF key (0-9, * or #), not {c.key!r}")

    def check_bounds(self, el: etree._Element, qtype: str, low: str | None, high: str | None) -> None:
        for attr, value in (("min", low), ("max", high)):
            if value is None:
                continue
            if qtype == "number":
                try:
                    float(value)
                except ValueError:
                    self.problem(el, f"{attr}= must be a number, not {value!r}", attr)
            elif qtype == "date":
                if default_value("date", value) is BAD:
                    self.problem(el, f"{attr}= must be a date YYYY-MM-DD", attr)
            else:
                self.problem(el, f"{attr}= applies to number and date questions", attr)
