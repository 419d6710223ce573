"""espeak-ng renders once to an 8 kHz WAV; the second request comes from the cache."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from caruso.config import Config
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.core.settings import build
from caruso.drivers.sip import audio
from caruso.tts import TtsError, TtsService
from caruso.tts.service import TtsSettings


def service(tmp_path: Path) -> TtsService:
    config = build(Config, {"server": {"data_dir": str(tmp_path)}})
    return TtsService(ServiceContext("tts", config, TtsSettings(), ServiceManager()))


async def test_text_is_rendered_once_at_8khz(tmp_path: Path) -> None:
    tts = service(tmp_path)
    async with tts.lifespan():
        first = await tts.render("Welcome to Caruso. Press one for sales.", "en")
        second = await tts.render("Welcome to Caruso. Press one for sales.", "en")
        other = await tts.render("Bienvenue chez Caruso.", "fr")
    assert first == second and other != first
    assert tts.rendered == 2
    with wave.open(str(first)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    samples, _ = audio.read_samples(first)
    assert audio.duration(first) > 1.0 and audio.rms(samples) > 500
    assert sorted(p.name for p in (tmp_path / "tts").iterdir()) == sorted([first.name, other.name])


async def test_empty_text_is_refused(tmp_path: Path) -> None:
    tts = service(tmp_path)
    with pytest.raises(TtsError, match="empty"):
        await tts.render("  ")
