"""Check and normalise an answer to a question: ``check(question, raw) -> (value, error message)``.

Answers arrive as typed text (web, agent), DTMF keys (phone) or JSON values (API, CLI).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from caruso.script import model as m

_YES = {"yes", "y", "true", "1", "oui", "ja"}
_NO = {"no", "n", "false", "2", "0", "non", "nein"}


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


MAX_ANSWER = 4000  # characters: no answer needs more, and it bounds the work of patterns on visitors' input


def check(q: m.Question, raw: Any) -> tuple[Any, str | None]:
    c = q.constraints
    if isinstance(raw, str) and len(raw) > MAX_ANSWER:
        return None, f"Please give at most {MAX_ANSWER} characters."
    if _blank(raw):
        return (None, "An answer is required.") if c.required else (None, None)
    if q.type == "choice":
        text = str(raw).strip()
        for choice in q.choices:
            if text == choice.value or (choice.key is not None and text == choice.key):
                return choice.value, None
        return None, "Please choose one of the options."
    if q.type == "yesno":
        if isinstance(raw, bool):
            return raw, None
        word = str(raw).strip().lower()
        if word in _YES:
            return True, None
        if word in _NO:
            return False, None
        return None, "Please answer yes or no."
    if q.type == "number":
        return _number(c, raw)
    if q.type == "date":
        return _date(c, raw)
    text = str(raw).strip()
    if c.minlength is not None and len(text) < c.minlength:
        return None, f"Please give at least {c.minlength} characters."
    if c.maxlength is not None and len(text) > c.maxlength:
        return None, f"Please give at most {c.maxlength} characters."
    if c.pattern is not None and re.fullmatch(c.pattern, text) is None:
        return None, "This answer does not have the expected form."
    return text, None


def _number(c: m.Constraints, raw: Any) -> tuple[Any, str | None]:
    if isinstance(raw, bool):
        return None, "Please give a number."
    if isinstance(raw, (int, float)):
        value: int | float = raw
    else:
        text = str(raw).strip().replace(" ", "").replace(",", ".")
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None, "Please give a number."
    if value != value or value in (float("inf"), float("-inf")):
        return None, "Please give a number."
    if c.min is not None and value < float(c.min):
        return None, f"The number must be at least {c.min}."
    if c.max is not None and value > float(c.max):
        return None, f"The number must be at most {c.max}."
    return value, None


def _date(c: m.Constraints, raw: Any) -> tuple[Any, str | None]:
    text = str(raw).strip()
    try:
        value = dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None, "Please give a date as YYYY-MM-DD."
    if c.min is not None and value < c.min:
        return None, f"The date must be on or after {c.min}."
    if c.max is not None and value > c.max:
        return None, f"The date must be on or before {c.max}."
    return value, None
