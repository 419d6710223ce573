from __future__ import annotations

from caruso.errors import CarusoError


class MailError(CarusoError):
    """A message could not be built or sent (bad address, SMTP refused, server unreachable)."""
