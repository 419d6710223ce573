"""A web app with the self-service routes for tests: real security middleware, real script repository,
real mailer (to an aiosmtpd server) and, when asked, a real storage manager on SQLite with the demo data."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from aiohttp import web

from caruso.config import Config, MailSettings, ScriptSettings, ServerSettings
from caruso.core.manager import ServiceManager
from caruso.events.bus import EventBus
from caruso.keys import CONFIG, EVENTS, MAILER, SCRIPTS, STORAGE
from caruso.mail import MailerService
from caruso.script.repository import ScriptRepository
from caruso.web.errors import error_middleware
from caruso.web.keys import SERVICES
from tests.script.conftest import SCRIPTS as SCRIPT_FOLDER


@asynccontextmanager
async def selfservice_app(data_dir: Path, smtp_port: int, *, storage: bool = False, rate: int = 6000,
                          burst: int = 1000) -> AsyncIterator[web.Application]:
    config = Config(server=ServerSettings(data_dir=data_dir, demo=storage),
                    mail=MailSettings(host="127.0.0.1", port=smtp_port, sender="caruso@utility.example", timeout=5),
                    scripts=ScriptSettings(watch=False, web_rate_per_minute=rate, web_burst=burst))
    services = ServiceManager()
    services.register(CONFIG, config)
    services.register(EVENTS, EventBus())
    services.register(SCRIPTS, ScriptRepository(folders=[SCRIPT_FOLDER], archive=data_dir / "scripts", watch=False))
    services.register(MAILER, MailerService(settings=config.mail))
    async with AsyncExitStack() as stack:
        if storage:
            from caruso.storage.service import StorageManager

            manager = StorageManager.standalone(config, services)
            services.register(STORAGE, manager)
        for name in services.start_order():
            component = services.get(name)
            if hasattr(component, "lifespan"):
                await stack.enter_async_context(component.lifespan())
        app = web.Application(middlewares=[error_middleware])
        app[SERVICES] = services
        for module in ("caruso.web.security", "caruso.web.selfservice"):
            importlib.import_module(module).setup(app)
        yield app
