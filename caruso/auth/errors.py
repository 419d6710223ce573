"""Authentication and authorisation errors (mapped to 401/403/409/429 in caruso/web/errors.py)."""

from __future__ import annotations

from caruso.errors import CarusoError


class AuthError(CarusoError):
    pass


class InvalidCredentials(AuthError):
    def __init__(self) -> None:
        # one message for unknown user and wrong password: no user enumeration
        super().__init__("unknown user or wrong password")


class LoginThrottled(AuthError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins; try again in {int(retry_after) + 1} s")
        self.retry_after = retry_after
        self.details = {"retry_after": int(retry_after) + 1}


class Forbidden(AuthError):
    pass


class UserExists(AuthError):
    pass


class UserNotFound(AuthError):
    pass
