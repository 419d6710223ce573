"""Errors of the privacy package (all CarusoError)."""

from __future__ import annotations

from caruso.errors import CarusoError


class PrivacyError(CarusoError):
    """A privacy request cannot be carried out as asked (bad selector, model that cannot be blanked)."""


class SubjectNotFound(PrivacyError, LookupError):
    """Nobody matches the selector, and it is no number or address to act on by itself."""
