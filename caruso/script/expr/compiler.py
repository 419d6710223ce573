"""Compile an expression's syntax tree into nested closures, checking names and function arities.

A compiled expression is called with a Scope; it never reaches Python's builtins, attributes of
Python objects or the interpreter: dict keys and list items only.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from caruso.script.errors import ExpressionError
from caruso.script.expr import ast
from caruso.script.expr.functions import FUNCTIONS
from caruso.script.expr.parser import parse

Compiled = Callable[["Scope"], Any]


class Scope:
    """What an expression can read: variables, business objects, answers and a few run values."""

    __slots__ = ("vars", "objects", "answers", "specials", "clock")

    def __init__(self, vars: Mapping[str, Any], objects: Mapping[str, Any], answers: Mapping[str, Any],
                 specials: Mapping[str, Any], clock: Callable[[], float]) -> None:
        self.vars = vars
        self.objects = objects
        self.answers = answers
        self.specials = specials
        self.clock = clock


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    names: frozenset[str]
    run: Compiled

    def __call__(self, scope: Scope) -> Any:
        try:
            return self.run(scope)
        except ExpressionError:
            raise
        except (TypeError, ValueError, ZeroDivisionError, IndexError, OverflowError) as exc:
            raise ExpressionError(f"{self.source!r}: {exc}") from exc


def _null_safe(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        return bool(op(a, b))
    return compare


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) or isinstance(b, str):
        from caruso.script.expr.functions import _text
        return _text(a) + _text(b)
    return a + b


def _div(a: Any, b: Any) -> Any:
    if b == 0:
        raise ExpressionError("division by zero")
    return a / b


def _contains(a: Any, b: Any) -> bool:
    if b is None:
        return False
    if isinstance(b, str):
        return str(a) in b
    return a in b


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne,
    "<": _null_safe(operator.lt), "<=": _null_safe(operator.le),
    ">": _null_safe(operator.gt), ">=": _null_safe(operator.ge),
    "+": _add, "-": operator.sub, "*": operator.mul, "/": _div, "%": operator.mod,
    "in": _contains, "not in": lambda a, b: not _contains(a, b),
}


def _get(value: Any, key: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list):
        if isinstance(key, bool) or not isinstance(key, int):
            raise ExpressionError(f"list index must be a whole number, not {key!r}")
        return value[key] if -len(value) <= key < len(value) else None
    if isinstance(value, str) and isinstance(key, int) and not isinstance(key, bool):
        return value[key] if -len(value) <= key < len(value) else None
    raise ExpressionError(f"cannot take {key!r} of {value!r}")


class _Compiler:
    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names  # name -> namespace: 'var', 'object' or 'special'
        self.used: set[str] = set()

    def compile(self, node: ast.Node) -> Compiled:
        method = getattr(self, "c_" + type(node).__name__)
        return method(node)  # type: ignore[no-any-return]

    def c_Literal(self, node: ast.Literal) -> Compiled:
        value = node.value
        return lambda s: value

    def c_Name(self, node: ast.Name) -> Compiled:
        name = node.name
        space = self.names.get(name)
        if space is None:
            if name in FUNCTIONS:
                raise ExpressionError(f"{name} is a function: call it as {name}(...)", node.offset)
            known = ", ".join(sorted(self.names)) or "(none)"
            raise ExpressionError(f"unknown name {name!r}; declared here: {known}", node.offset)
        self.used.add(name)
        if space == "var":
            return lambda s: s.vars.get(name)
        if space == "object":
            return lambda s: s.objects.get(name)
        if name == "answers":
            return lambda s: s.answers
        return lambda s: s.specials.get(name)

    def c_ListExpr(self, node: ast.ListExpr) -> Compiled:
        items = [self.compile(i) for i in node.items]
        return lambda s: [f(s) for f in items]

    def c_Attr(self, node: ast.Attr) -> Compiled:
        target, key = self.compile(node.target), node.name
        return lambda s: _get(target(s), key)

    def c_Index(self, node: ast.Index) -> Compiled:
        target, index = self.compile(node.target), self.compile(node.index)
        return lambda s: _get(target(s), index(s))

    def c_Call(self, node: ast.Call) -> Compiled:
        fn = FUNCTIONS.get(node.function)
        if fn is None:
            raise ExpressionError(f"unknown function {node.function}(); known: {', '.join(sorted(FUNCTIONS))}",
                                  node.offset)
        if not fn.min_args <= len(node.args) <= fn.max_args:
            want = str(fn.min_args) if fn.min_args == fn.max_args else f"{fn.min_args} to {fn.max_args}"
            raise ExpressionError(f"{node.function}() takes {want} argument(s), given {len(node.args)}", node.offset)
        args = [self.compile(a) for a in node.args]
        impl = fn.fn
        if fn.needs_clock:
            return lambda s: impl(s.clock)
        if len(args) == 1:
            (a0,) = args
            return lambda s: impl(a0(s))
        return lambda s: impl(*[a(s) for a in args])

    def c_Unary(self, node: ast.Unary) -> Compiled:
        operand = self.compile(node.operand)
        if node.op == "not":
            return lambda s: not operand(s)
        return lambda s: -operand(s)

    def c_Binary(self, node: ast.Binary) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)
        if node.op == "and":
            return lambda s: left(s) and right(s)
        if node.op == "or":
            return lambda s: left(s) or right(s)
        op = _BINARY[node.op]
        return lambda s: op(left(s), right(s))


def compile_expression(text: str, names: Mapping[str, str]) -> Expression:
    """Parse and compile *text*; *names* maps every readable name to its namespace."""
    compiler = _Compiler(names)
    run = compiler.compile(parse(text))
    return Expression(text, frozenset(compiler.used), run)


@dataclass(frozen=True, slots=True)
class Template:
    """A text with ``{expression}`` holes (``{{`` and ``}}`` for literal braces)."""

    source: str
    parts: tuple[str | Expression, ...]
    names: frozenset[str]

    def render(self, scope: Scope) -> str:
        from caruso.script.expr.functions import _text
        if len(self.parts) == 1 and isinstance(self.parts[0], str):
            return self.parts[0]
        return "".join(p if isinstance(p, str) else _text(p(scope)) for p in self.parts)


_BRACES = re.compile(r"\{\{|\}\}|\{|\}")


def compile_template(text: str, names: Mapping[str, str],
                     compile: Callable[[str], Expression] | None = None) -> Template:
    if "{" not in text and "}" not in text:
        return Template(text, (text,), frozenset())
    compile_one = compile or (lambda source: compile_expression(source, names))
    parts: list[str | Expression] = []
    used: set[str] = set()
    literal: list[str] = []
    i = 0
    while (m := _BRACES.search(text, i)) is not None:
        literal.append(text[i:m.start()])
        brace = m.group()
        if brace in ("{{", "}}"):
            literal.append(brace[0])
            i = m.end()
        elif brace == "}":
            raise ExpressionError("unmatched '}' (write '}}' for a literal brace)", m.start())
        else:
            end = text.find("}", m.end())
            if end < 0:
                raise ExpressionError("'{' is not closed by '}' (write '{{' for a literal brace)", m.start())
            try:
                expr = compile_one(text[m.end():end])
            except ExpressionError as exc:
                raise ExpressionError(exc.message, m.end() + exc.offset) from None
            joined = "".join(literal)
            if joined:
                parts.append(joined)
            literal = []
            parts.append(expr)
            used |= expr.names
            i = end + 1
    literal.append(text[i:])
    joined = "".join(literal)
    if joined or not parts:
        parts.append(joined)
    return Template(text, tuple(parts), frozenset(used))
