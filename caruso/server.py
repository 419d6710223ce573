"""The composition root: build every service from the configuration and the service descriptors."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import replace
from pathlib import Path

from caruso import keys, paths
from caruso.config import Config
from caruso.core.descriptors import read_descriptors, register_all
from caruso.core.manager import ServiceManager
from caruso.events.bus import EventBus

log = logging.getLogger(__name__)


def descriptor_folders(config: Config) -> list[Path]:
    folders = [paths.shipped("services")]
    if config.server.services_dir is not None:
        folders.append(config.server.services_dir)
    return folders


def build_services(config: Config) -> ServiceManager:
    services = ServiceManager()
    services.register(keys.CONFIG, config)
    services.register(keys.EVENTS, EventBus(subscriber_queue=config.events.subscriber_queue,
                                            overflow=config.events.overflow))
    register_all(read_descriptors(descriptor_folders(config)), config, services)
    return services


async def serve(config: Config, *, ready: asyncio.Event | None = None) -> None:
    """Start every service, run until SIGINT/SIGTERM, then stop them in reverse order."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await services.start()
        log.info("Caruso is running: %s", ", ".join(services.names()))
        if config.web.enabled:
            log.info("web UI and API on http://%s:%d/", config.web.host, config.web.port)
        if ready is not None:
            ready.set()
        await stop.wait()
        log.info("shutting down")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await services.stop()
    log.info("stopped cleanly")


def with_demo(config: Config) -> Config:
    return replace(config, server=replace(config.server, demo=True))
