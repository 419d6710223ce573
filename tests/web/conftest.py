"""Fixtures for the web tests: a real SQLite database with the system schema, the auth service and the
aiohttp app served on loopback, with a client per user."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from yarl import URL

from caruso import keys
from caruso.auth.roles import Role
from caruso.auth.service import AuthService
from caruso.config import Config, load_config
from caruso.core.descriptors import ServiceContext
from caruso.core.manager import ServiceManager
from caruso.events import EventBus
from caruso.monitor.service import MonitorService
from caruso.script.repository import ScriptRepository
from caruso.storage.database import Database
from caruso.storage.service import StorageManager
from caruso.web.app import create_app

PASSWORD = "correct horse battery"


@dataclass
class WebEnv:
    services: ServiceManager
    auth: AuthService
    db: Database
    server: TestServer
    bus: EventBus
    monitor: MonitorService

    @property
    def url(self) -> URL:
        return self.server.make_url("/")

    def client(self) -> ClientSession:
        """A browser-like client of its own (cookie jar that accepts 127.0.0.1)."""
        return ClientSession(base_url=self.server.make_url(""), cookie_jar=CookieJar(unsafe=True))


def test_config(tmp_path: Path) -> Config:
    return load_config(env={"CARUSO_SERVER__DATA_DIR": str(tmp_path), "CARUSO_SERVER__TELEPHONY": "none",
                            "CARUSO_SCRIPTS__WATCH": "false"})


USERS = (("alice", Role.ADMIN), ("sam", Role.SUPERVISOR), ("bob", Role.AGENT), ("carol", Role.AGENT))
_template: list[Path] = []


def make_services(config: Config) -> tuple[ServiceManager, EventBus, StorageManager, AuthService, MonitorService]:
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    bus = EventBus()
    services.register(keys.EVENTS, bus)
    storage = StorageManager(ServiceContext("storage", config, None, services))
    services.register(keys.STORAGE, storage, depends_on=["events"])
    auth = AuthService(ServiceContext("auth", config, None, services))
    services.register(keys.AUTH, auth, depends_on=["storage"])
    monitor = MonitorService(bus=bus)
    services.register(keys.MONITOR, monitor, depends_on=["events"])
    services.register(keys.SCRIPTS, ScriptRepository(ServiceContext("scripts", config, None, services)))
    return services, bus, storage, auth, monitor


async def template_database(factory: pytest.TempPathFactory) -> Path:
    """A database with the schema and the test users, built once and copied for each test (hashing
    passwords and migrating the schema for every test would be most of the suite's time)."""
    if not _template:
        folder = factory.mktemp("web-template")
        services, _, _, auth, _ = make_services(test_config(folder))
        await services.start()
        for name, role in USERS:
            await auth.create_user(name, PASSWORD, role)
        await services.stop()
        _template.append(folder / "caruso.db")
    return _template[0]


@pytest.fixture
async def web_env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WebEnv]:
    shutil.copyfile(await template_database(tmp_path_factory), tmp_path / "caruso.db")
    services, bus, storage, auth, monitor = make_services(test_config(tmp_path))
    await services.start()
    db = storage.database
    server = TestServer(create_app(services))
    await server.start_server()
    try:
        yield WebEnv(services, auth, db, server, bus, monitor)
    finally:
        await server.close()
        await services.stop()


async def csrf_of(client: ClientSession, url: str = "/api/session") -> str:
    async with client.get(url) as resp:
        return str((await resp.json())["csrf_token"])


async def api_login(client: ClientSession, username: str, password: str = PASSWORD) -> str:
    """Log in through the JSON API; returns the session's CSRF token."""
    token = await csrf_of(client)
    async with client.post("/api/login", json={"username": username, "password": password},
                           headers={"X-CSRF-Token": token}) as resp:
        assert resp.status == 200, await resp.text()
        return str((await resp.json())["csrf_token"])


def hidden_csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field in the page"
    return found.group(1)
