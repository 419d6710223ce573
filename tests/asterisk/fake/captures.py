"""Reads the byte-exact captures of a real Asterisk (``/work/shared/asterisk/*.txt``).

Format: ``#`` comment lines, then per TCP segment ``@@ <dir> t=<s> len=<N>``, N bytes, one newline; ``@@END``.
Where the capture was edited after the fact (an install path replaced by "the reference install") the
``len`` no longer matches the bytes; the reader then takes the bytes up to the next ``@@`` marker, which
is what Asterisk sent apart from that path.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

CAPTURE_DIR = Path(os.environ.get("CARUSO_ASTERISK_CAPTURES", "/work/shared/asterisk"))
_HEADER = re.compile(rb"@@ (\S+) t=([0-9.]+) len=(\d+)\n")


@dataclass(frozen=True)
class Segment:
    direction: str          # "S->C", "C->S", "A->S", "S->A"
    at: float
    data: bytes


@dataclass(frozen=True)
class Capture:
    name: str
    segments: list[Segment]
    edited_segments: int    # segments whose len did not match (edited captures)

    def stream(self, direction: str) -> bytes:
        return b"".join(s.data for s in self.segments if s.direction == direction)

    def of(self, direction: str) -> list[Segment]:
        return [s for s in self.segments if s.direction == direction]


def load_capture(name: str) -> Capture:
    path = CAPTURE_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"Asterisk capture {path} is missing; set CARUSO_ASTERISK_CAPTURES to the folder "
                                "holding the captures of a real Asterisk (ami-session.txt, fastagi-*.txt)")
    data = path.read_bytes()
    pos = data.index(b"\n@@ ") + 1
    segments: list[Segment] = []
    edited = 0
    while not data.startswith(b"@@END", pos):
        match = _HEADER.match(data, pos)
        if match is None:
            raise ValueError(f"{path}: bad segment header at byte {pos}")
        start, length = match.end(), int(match.group(3))
        end = start + length
        if data[end:end + 3] != b"\n@@":
            end = data.index(b"\n@@", start)
            edited += 1
        segments.append(Segment(match.group(1).decode(), float(match.group(2)), data[start:end]))
        pos = end + 1
    return Capture(name, segments, edited)
