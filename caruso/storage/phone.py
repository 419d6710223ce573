"""Phone numbers in E.164 (pure).  Numbers from callers, CSV files and legacy tables come in every shape."""

from __future__ import annotations

import phonenumbers


def normalise_number(text: str, country: str = "FR") -> str:
    """``"01 23 45 67 89"`` (country FR) -> ``"+33123456789"``; raises ValueError if it is no number."""
    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, country.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{text!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"{text!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def number_variants(text: str, country: str = "FR") -> list[str]:
    """The ways a legacy table may have stored one number: E.164, international, national, digits only.

    Caller identification matches any of them, so numbers typed into another system by hand are found too.
    """
    e164 = normalise_number(text, country)
    parsed = phonenumbers.parse(e164)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national_digits = "".join(ch for ch in national if ch.isdigit())
    variants = [e164, e164[1:], "00" + e164[1:], international, national, national_digits,
                national.replace(" ", "."), national.replace(" ", "-"), international.replace(" ", "")]
    return list(dict.fromkeys(variants))
