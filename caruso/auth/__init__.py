"""Users, roles, password hashing, login throttling and the audit log.

The web layer (caruso/web/security.py) enforces roles and CSRF on every request; this package holds
the rules and the AuthService component that reaches the users and audit tables through storage.
"""

from caruso.auth.errors import (
    AuthError,
    Forbidden,
    InvalidCredentials,
    LoginThrottled,
    UserExists,
    UserNotFound,
)
from caruso.auth.roles import Role
from caruso.auth.users import AuditEntry, User

__all__ = [
    "AuditEntry",
    "AuthError",
    "Forbidden",
    "InvalidCredentials",
    "LoginThrottled",
    "Role",
    "User",
    "UserExists",
    "UserNotFound",
]
