"""WAV helpers shared by the driver, voicemail and tests: duration, tones, level analysis, header repair.

Standard library only (``wave``, ``array``); ``audioop`` is deprecated, so levels are computed here.
"""

from __future__ import annotations

import array
import math
import struct
import sys
import wave
from pathlib import Path

RATE = 8000


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def write_tone(path: Path, frequency: float, seconds: float, *, rate: int = RATE, amplitude: float = 0.5) -> Path:
    """A 16-bit mono sine tone (the recording beep, test tones)."""
    count = int(rate * seconds)
    peak = int(32767 * amplitude)
    samples = array.array("h", (int(peak * math.sin(2 * math.pi * frequency * i / rate)) for i in range(count)))
    if sys.byteorder == "big":
        samples.byteswap()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def read_samples(path: Path) -> tuple[array.array, int]:
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit samples")
        rate = w.getframerate()
        channels = w.getnchannels()
        data = w.readframes(w.getnframes())
    samples = array.array("h")
    samples.frombytes(data[: len(data) - len(data) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    if channels > 1:
        samples = samples[::channels]
    return samples, rate


def rms(samples: array.array) -> float:
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def tone_power(samples: array.array, rate: int, frequency: float) -> float:
    """Goertzel: the relative power of *frequency* in *samples* (0..1 of the signal's energy)."""
    if not samples:
        return 0.0
    k = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    energy = sum(x * x for x in samples) * len(samples) / 2
    return power / energy if energy else 0.0


def repair_wav(path: Path) -> bool:
    """Fix the RIFF and data sizes of a WAV whose writer died before closing it (pjmedia writes the
    header's sizes only when the recorder is destroyed).  Returns True when the header was changed."""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise ValueError(f"{path}: not a RIFF/WAVE file")
        pos = 12
        while True:
            fh.seek(pos)
            chunk = fh.read(8)
            if len(chunk) < 8:
                raise ValueError(f"{path}: no data chunk")
            cid, csize = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                break
            pos += 8 + csize + (csize & 1)
        data_size = size - (pos + 8)
        data_size -= data_size % 2
        riff_size = size - 8
        changed = csize != data_size or struct.unpack("<I", head[4:8])[0] != riff_size
        if changed:
            fh.seek(4)
            fh.write(struct.pack("<I", riff_size))
            fh.seek(pos + 4)
            fh.write(struct.pack("<I", data_size))
    return changed


def write_chord(path: Path, seconds: float = 4.0, *, rate: int = RATE) -> Path:
    """A soft two-note pattern: the default music on hold."""
    count = int(rate * seconds)
    notes = (392.0, 523.25)
    samples = array.array("h", (
        int(6000 * math.sin(2 * math.pi * notes[(i * 2 // rate) % 2] * i / rate)) for i in range(count)))
    if sys.byteorder == "big":
        samples.byteswap()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path
