"""Value conversion and phone numbers (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caruso.storage.errors import InvalidValue
from caruso.storage.model.convert import convert_value
from caruso.storage.model.types import AttributeDef
from caruso.storage.phone import normalise_number, number_variants


def attr(type_: str, length: int | None = None) -> AttributeDef:
    return AttributeDef(name="a", column="a", type=type_, length=length)  # type: ignore[arg-type]


@pytest.mark.parametrize(("type_", "value", "expected"), [
    ("integer", "42", 42), ("integer", 7.0, 7), ("integer", Decimal("3"), 3), ("decimal", "12,5", Decimal("12.5")),
    ("decimal", 0.1, Decimal("0.1")), ("boolean", "Oui", True), ("boolean", 0, False), ("boolean", "no", False),
    ("date", "2024-02-29", date(2024, 2, 29)), ("date", datetime(2024, 1, 2, 3, 4), date(2024, 1, 2)),
    ("datetime", "2024-01-01T10:00:00+02:00", datetime(2024, 1, 1, 8, 0, tzinfo=UTC)),
    ("datetime", "2024-01-01 10:00", datetime(2024, 1, 1, 10, 0, tzinfo=UTC)),
    ("phone", "06 12 34 56 78", "+33612345678"), ("email", "A.B@Example.COM", "a.b@example.com"),
    ("string", 12, "12"), ("string", "", ""), ("integer", "", None), ("date", "  ", None), ("text", None, None),
])
def test_values_convert_to_the_declared_type(type_: str, value: object, expected: object) -> None:
    assert convert_value("Obj", attr(type_), value) == expected


@pytest.mark.parametrize(("type_", "value"), [
    ("integer", "4.5"), ("integer", True), ("integer", 2.5), ("decimal", "NaN"), ("decimal", "abc"),
    ("boolean", "2"), ("date", "2023-02-29"), ("datetime", "noon"), ("phone", "12"), ("email", "a@b"),
    ("string", b"bytes"),
])
def test_bad_values_are_refused(type_: str, value: object) -> None:
    with pytest.raises(InvalidValue) as info:
        convert_value("Obj", attr(type_), value)
    assert str(info.value).startswith(f"Obj.a: {value!r} is not a valid")


def test_length_is_enforced() -> None:
    with pytest.raises(InvalidValue, match="at most 3 characters"):
        convert_value("Obj", attr("string", 3), "abcd")


@pytest.mark.parametrize(("text", "country", "e164"), [
    ("01 23 45 67 89", "FR", "+33123456789"), ("0033 1 23 45 67 89", "FR", "+33123456789"),
    ("+49 30 1234567", "FR", "+49301234567"), ("030 1234567", "DE", "+49301234567"),
    ("(415) 555-2671", "US", "+14155552671"),
])
def test_numbers_normalise_to_e164(text: str, country: str, e164: str) -> None:
    assert normalise_number(text, country) == e164


@given(st.integers(min_value=100_000_000, max_value=799_999_999))
def test_every_variant_of_a_number_normalises_back_to_it(subscriber: int) -> None:
    e164 = f"+33{subscriber}"
    for variant in number_variants(e164, "FR"):
        assert normalise_number(variant, "FR") == e164


def test_aware_datetimes_keep_their_instant() -> None:
    paris = timezone(timedelta(hours=1))
    value = convert_value("Obj", attr("datetime"), datetime(2024, 1, 1, 12, 0, tzinfo=paris))
    assert value == datetime(2024, 1, 1, 11, 0, tzinfo=UTC) and value.tzinfo is UTC
