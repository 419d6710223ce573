"""API errors: every error answer is ``{"error": id, "message": ..., "details": ...}``.

Domain errors are mapped to a status in one place (ERROR_STATUS); anything unexpected is a 500
with no internals in the body (the traceback goes to the log).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from caruso.auth.errors import Forbidden, InvalidCredentials, LoginThrottled, UserExists, UserNotFound
from caruso.dialer.errors import CampaignNotFound, CampaignStateError
from caruso.errors import CarusoError, ConfigError, ServiceNotFound
from caruso.storage.admin_repository import AdminNotFound
from caruso.storage.errors import (
    DuplicateObject,
    InvalidValue,
    ObjectNotFound,
    SchemaError,
    UnknownAttribute,
    UnknownObject,
)

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details


# domain error class -> (status, error id); the first matching class in the MRO wins
ERROR_STATUS: dict[type[BaseException], tuple[int, str]] = {
    ServiceNotFound: (503, "service_unavailable"),
    InvalidCredentials: (401, "invalid_credentials"),
    LoginThrottled: (429, "login_throttled"),
    Forbidden: (403, "forbidden"),
    UserExists: (409, "user_exists"),
    UserNotFound: (404, "user_not_found"),
    AdminNotFound: (404, "not_found"),
    CampaignNotFound: (404, "not_found"),
    CampaignStateError: (409, "conflict"),
    ObjectNotFound: (404, "not_found"),
    UnknownObject: (404, "unknown_object"),
    UnknownAttribute: (400, "unknown_attribute"),
    InvalidValue: (400, "invalid_value"),
    DuplicateObject: (409, "duplicate"),
    SchemaError: (503, "schema_error"),
    ConfigError: (400, "bad_request"),
    CarusoError: (400, "bad_request"),
}


def error_response(status: int, error: str, message: str, details: Any = None) -> web.Response:
    return web.json_response({"error": error, "message": message, "details": details}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.error, exc.message, exc.details)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        return error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
    except CarusoError as exc:
        for cls in type(exc).__mro__:
            if cls in ERROR_STATUS:
                status, error = ERROR_STATUS[cls]
                return error_response(status, error, str(exc), getattr(exc, "details", None))
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "internal server error")
