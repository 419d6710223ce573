"""Build the aiohttp application.  Pages and APIs reach components only through the service manager.

Route modules are listed in ROUTE_MODULES; each has ``setup(app: web.Application) -> None``.
"""

from __future__ import annotations

import importlib

from aiohttp import web

from caruso.core.manager import ServiceManager
from caruso.web.errors import error_middleware
from caruso.web.keys import SERVICES

ROUTE_MODULES: list[str] = [
    "caruso.web.security",   # first: its middlewares (sessions, roles, CSRF) wrap every route below
    "caruso.web.health",
    "caruso.web.pages",
    "caruso.web.login",
    "caruso.web.users_api",
    "caruso.web.monitor_api",
    "caruso.web.reports_api",
    "caruso.web.admin_api",
    "caruso.web.scripts_api",
    "caruso.web.desktop_api",
    "caruso.web.campaigns_api",
    "caruso.web.privacy_api",
    "caruso.web.privacy_page",
    "caruso.web.openapi",
    "caruso.web.selfservice",
    "caruso.voicemail.api",
]


def create_app(services: ServiceManager) -> web.Application:
    # /monitor/ reaches /monitor: a path that resolves only without its trailing slash is redirected
    # there, before sessions and roles look at it
    normalize = web.normalize_path_middleware(append_slash=False, remove_slash=True)
    app = web.Application(middlewares=[normalize, error_middleware])
    app[SERVICES] = services
    for name in ROUTE_MODULES:
        importlib.import_module(name).setup(app)
    return app
