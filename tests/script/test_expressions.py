"""The expression language: values, operators, functions, compile errors with positions, and safety."""

from __future__ import annotations

from typing import Any

import pytest

from caruso.script.errors import ExpressionError
from caruso.script.expr import Scope, compile_expression, compile_template

NAMES = {"amount": "var", "reason": "var", "items": "var", "customer": "object", "answers": "special",
         "channel": "special"}
CUSTOMER = {"name": "Ann", "balance": 120.5, "contracts": [{"number": "EL-1", "meters": [{"serial": "M1"}]}]}
NOW = 1_795_000_000.0  # 2026-11-18 (local time varies by zone; tests use dates far from midnight only)


def ev(text: str, **vars: Any) -> Any:
    scope = Scope({"amount": 10, "reason": "tariff", "items": [1, 2, 3], **vars}, {"customer": CUSTOMER},
                  {"q1": "yes"}, {"channel": "web"}, lambda: NOW)
    return compile_expression(text, NAMES)(scope)


@pytest.mark.parametrize(("text", "value"), [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("7 % 4", 3), ("-amount", -10), ("10 / 4", 2.5),
    ("amount > 5 and amount <= 10", True), ("not amount == 10", False), ("amount != 3 or false", True),
    ("reason in ['tariff', 'meter']", True), ("reason not in ['meter']", True), ("'ari' in reason", True),
    ("customer.name", "Ann"), ("customer.contracts[0].meters[0].serial", "M1"), ("customer.missing.deep", None),
    ("customer.contracts[5]", None), ("answers.q1 == 'yes'", True), ("answers['q1']", "yes"), ("channel", "web"),
    ("'a' + 1", "a1"), ("upper(trim('  x '))", "X"), ("len(items)", 3), ("len(null)", 0),
    ("contains(customer.name, 'n')", True), ("matches('75011', '[0-9]{5}')", True), ("digits('06 12-34')", "061234"),
    ("round(2.567, 2)", 2.57), ("max(1, amount, 3)", 10), ("format(1234.5)", "1 234.50"),
    ("days_between('2026-01-01', '2026-03-01')", 59), ("add_days('2026-02-27', 2)", "2026-03-01"),
    ("weekday('2026-11-23')", 0), ("year(today()) == 2026", True), ("hour('2026-11-23T14:05:00')", 14),
    ("coalesce(null, '', 'x')", "x"), ("empty([])", True), ("first(customer.contracts).number", "EL-1"),
    ("sum(items)", 6), ("count_where(customer.contracts, 'number', 'EL-1')", 1),
    ("null < 3", False), ("'2026-01-02' > '2026-01-01'", True), ("1.5 * 2", 3.0), ("'it\\'s'", "it's"),
])
def test_values(text: str, value: Any) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(("text", "offset", "message"), [
    ("amount = 3", 7, "compare with '=='"),
    ("amount && 3", 7, "use 'and'"),
    ("amout > 3", 0, "unknown name 'amout'"),
    ("lenght(reason)", 0, "unknown function lenght()"),
    ("len(reason, 2)", 0, "takes 1 argument(s), given 2"),
    ("amount >", 8, "expected a value"),
    ("(amount", 7, "expected ')'"),
    ("'open", 0, "string is not closed"),
    ("len", 0, "len is a function"),
    ("customer.name(1)", 13, "only functions can be called"),
    ("", 0, "empty expression"),
    ("amount 3", 7, "unexpected 3"),
])
def test_compile_errors_point_at_the_token(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as err:
        compile_expression(text, NAMES)
    assert err.value.offset == offset
    assert message in err.value.message


@pytest.mark.parametrize("text", [
    "__import__('os')", "customer.__class__", "customer.__class__.__mro__", "().__class__",
    "items.append(1)", "open('/etc/passwd')", "eval('1')", "exec('x=1')", "getattr(customer, 'x')",
    "lambda: 1", "[x for x in items]", "amount if true else 0",
])
def test_python_is_not_reachable(text: str) -> None:
    """Nothing of Python leaks: unknown names and functions fail at compile time; dunder attributes are
    plain dict keys (absent)."""
    try:
        fn = compile_expression(text, NAMES)
    except ExpressionError:
        return
    assert fn(Scope({}, {"customer": CUSTOMER}, {}, {}, lambda: NOW)) is None


def test_runtime_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="division by zero"):
        ev("amount / 0")
    with pytest.raises(ExpressionError, match="not a date"):
        ev("year('soon')")
    with pytest.raises(ExpressionError):
        ev("amount - 'x'")


def test_templates_interpolate_and_keep_literal_braces() -> None:
    t = compile_template("Hello {customer.name}, {{not a hole}} {amount * 2} {null}.", NAMES)
    scope = Scope({"amount": 2}, {"customer": CUSTOMER}, {}, {}, lambda: NOW)
    assert t.render(scope) == "Hello Ann, {not a hole} 4 ."
    assert t.names == {"customer", "amount"}
    with pytest.raises(ExpressionError) as err:
        compile_template("Hi {customer.name", NAMES)
    assert err.value.offset == 3
    with pytest.raises(ExpressionError) as err:
        compile_template("Hi {amount +}", NAMES)
    assert err.value.offset == 12
