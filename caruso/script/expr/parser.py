"""Recursive-descent parser of the expression language.

Precedence, lowest first: or; and; not; comparisons (== != < <= > >= in, not in); + -; * / %;
unary -; postfix (.name, [index], call).
"""

from __future__ import annotations

from caruso.script.errors import ExpressionError
from caruso.script.expr import ast
from caruso.script.expr.lexer import Token, tokenize

_COMPARE = {"==", "!=", "<", "<=", ">", ">="}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def at(self, kind: str, value: object = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def advance(self) -> Token:
        t = self.tok
        self.pos += 1
        return t

    def expect(self, kind: str, value: object, what: str) -> Token:
        if not self.at(kind, value):
            raise ExpressionError(f"expected {what}, found {_describe(self.tok)}", self.tok.offset)
        return self.advance()

    def parse(self) -> ast.Node:
        if self.at("end"):
            raise ExpressionError("empty expression", 0)
        node = self.or_()
        if not self.at("end"):
            raise ExpressionError(f"unexpected {_describe(self.tok)}", self.tok.offset)
        return node

    def or_(self) -> ast.Node:
        node = self.and_()
        while self.at("keyword", "or"):
            t = self.advance()
            node = ast.Binary(t.offset, "or", node, self.and_())
        return node

    def and_(self) -> ast.Node:
        node = self.not_()
        while self.at("keyword", "and"):
            t = self.advance()
            node = ast.Binary(t.offset, "and", node, self.not_())
        return node

    def not_(self) -> ast.Node:
        if self.at("keyword", "not"):
            t = self.advance()
            return ast.Unary(t.offset, "not", self.not_())
        return self.comparison()

    def comparison(self) -> ast.Node:
        node = self.additive()
        while True:
            t = self.tok
            if t.kind == "op" and t.value in _COMPARE:
                self.advance()
                node = ast.Binary(t.offset, str(t.value), node, self.additive())
            elif self.at("keyword", "in"):
                self.advance()
                node = ast.Binary(t.offset, "in", node, self.additive())
            elif self.at("keyword", "not") and self.tokens[self.pos + 1].kind == "keyword" \
                    and self.tokens[self.pos + 1].value == "in":
                self.pos += 2
                node = ast.Binary(t.offset, "not in", node, self.additive())
            else:
                return node

    def additive(self) -> ast.Node:
        node = self.term()
        while self.tok.kind == "op" and self.tok.value in ("+", "-"):
            t = self.advance()
            node = ast.Binary(t.offset, str(t.value), node, self.term())
        return node

    def term(self) -> ast.Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.value in ("*", "/", "%"):
            t = self.advance()
            node = ast.Binary(t.offset, str(t.value), node, self.unary())
        return node

    def unary(self) -> ast.Node:
        if self.at("op", "-"):
            t = self.advance()
            return ast.Unary(t.offset, "-", self.unary())
        return self.postfix()

    def postfix(self) -> ast.Node:
        node = self.primary()
        while True:
            if self.at("op", "."):
                self.advance()
                t = self.tok
                if t.kind not in ("name", "keyword"):
                    raise ExpressionError(f"expected an attribute name after '.', found {_describe(t)}", t.offset)
                self.advance()
                node = ast.Attr(t.offset, node, str(t.value))
            elif self.at("op", "["):
                t = self.advance()
                index = self.or_()
                self.expect("op", "]", "']'")
                node = ast.Index(t.offset, node, index)
            elif self.at("op", "("):
                t = self.tok
                if not isinstance(node, ast.Name):
                    raise ExpressionError("only functions can be called", t.offset)
                self.advance()
                args = self.arguments(")")
                node = ast.Call(node.offset, node.name, args)
            else:
                return node

    def arguments(self, close: str) -> tuple[ast.Node, ...]:
        args: list[ast.Node] = []
        if self.at("op", close):
            self.advance()
            return ()
        while True:
            args.append(self.or_())
            if self.at("op", ","):
                self.advance()
                continue
            self.expect("op", close, f"',' or '{close}'")
            return tuple(args)

    def primary(self) -> ast.Node:
        t = self.tok
        if t.kind in ("number", "string"):
            self.advance()
            return ast.Literal(t.offset, t.value)
        if t.kind == "keyword" and t.value in ("true", "false", "null"):
            self.advance()
            return ast.Literal(t.offset, {"true": True, "false": False, "null": None}[str(t.value)])
        if t.kind == "name":
            self.advance()
            return ast.Name(t.offset, str(t.value))
        if self.at("op", "("):
            self.advance()
            node = self.or_()
            self.expect("op", ")", "')'")
            return node
        if self.at("op", "["):
            self.advance()
            return ast.ListExpr(t.offset, self.arguments("]"))
        raise ExpressionError(f"expected a value, found {_describe(t)}", t.offset)


def _describe(t: Token) -> str:
    if t.kind == "end":
        return "the end of the expression"
    if t.kind == "string":
        return "a string"
    return repr(t.value)


def parse(text: str) -> ast.Node:
    return _Parser(text).parse()
