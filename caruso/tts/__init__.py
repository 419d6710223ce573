"""Text to speech: espeak-ng renders a text once to an 8 kHz WAV, cached under the data directory."""

from caruso.tts.service import TtsError, TtsService

__all__ = ["TtsError", "TtsService"]
