"""``TtsService`` (service ``tts``): ``await tts.render(text, language) -> Path`` of an 8 kHz 16-bit mono WAV.

A text is rendered once: the file name is a hash of the text, language, voice and speed, so a prompt
spoken again (by any call) is read from the cache.  espeak-ng writes at its own rate (22 050 Hz); sox
converts to the 8 kHz the media workers run at.  Files are written under a temporary name and renamed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caruso.core.component import Health
from caruso.errors import CarusoError

log = logging.getLogger(__name__)


class TtsError(CarusoError):
    """A text could not be rendered (espeak-ng or sox missing or failing)."""


@dataclass(frozen=True)
class TtsSettings:
    voice: str = ""            # espeak-ng voice; empty: the prompt's language
    speed: int = 160           # words per minute
    directory: str = "tts"     # cache folder, relative to the data directory


class TtsService:
    Settings = TtsSettings

    def __init__(self, ctx: Any) -> None:
        self.settings: TtsSettings = ctx.settings or TtsSettings()
        self.cache = Path(ctx.config.data_dir) / self.settings.directory
        self._locks: dict[str, asyncio.Lock] = {}
        self.rendered = 0

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        self.cache.mkdir(parents=True, exist_ok=True)
        yield

    def health(self) -> Health:
        missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
        if missing:
            return Health.down(f"not installed: {', '.join(missing)} (Debian packages espeak-ng, sox)")
        return Health.ok()

    def path_for(self, text: str, language: str) -> Path:
        voice = self.settings.voice or language
        key = hashlib.sha256(f"{voice}\0{self.settings.speed}\0{text}".encode()).hexdigest()[:32]
        return self.cache / f"{key}.wav"

    async def render(self, text: str, language: str = "en") -> Path:
        if not text.strip():
            raise TtsError("nothing to say: empty text")
        path = self.path_for(text, language)
        if path.exists():
            return path
        lock = self._locks.setdefault(path.name, asyncio.Lock())
        async with lock:
            if not path.exists():
                await self._render(text, self.settings.voice or language, path)
                self.rendered += 1
        self._locks.pop(path.name, None)
        return path

    async def _render(self, text: str, voice: str, path: Path) -> None:
        espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
        if espeak is None or sox is None:
            raise TtsError("text prompts need espeak-ng and sox: apt-get install espeak-ng sox")
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = path.with_suffix(f".{os.getpid()}.raw.wav")
        tmp = path.with_suffix(f".{os.getpid()}.tmp.wav")
        try:
            await _run(espeak, "-v", voice, "-s", str(self.settings.speed), "-w", str(raw), "--", text)
            await _run(sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(tmp))
            os.replace(tmp, path)
        finally:
            for leftover in (raw, tmp):
                leftover.unlink(missing_ok=True)


async def _run(*argv: str) -> None:
    process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    if process.returncode != 0:
        raise TtsError(f"{Path(argv[0]).name} failed ({process.returncode}): {err.decode(errors='replace')[-500:]}")
