"""Plain-text helpers of the model builder: declared variables' defaults, element text tidying, digests."""

from __future__ import annotations

import hashlib
import re
from typing import Any

BAD = object()  # a default that does not fit its declared type


def default_value(vtype: str, text: str | None) -> Any:
    if text is None:
        return {"list": [], "boolean": False}.get(vtype)
    if vtype == "number":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return BAD
    if vtype == "boolean":
        return {"true": True, "yes": True, "false": False, "no": False}.get(text.strip().lower(), BAD)
    if vtype == "date":
        return text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else BAD
    if vtype == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def tidy_map(raw: str) -> tuple[str, list[int]]:
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


def tidy(text: str) -> str:
    if _PARAGRAPH.search(text) is None:
        return " ".join(text.split())
    return tidy_map(text)[0]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
