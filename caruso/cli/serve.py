from __future__ import annotations

import argparse
import asyncio
import logging

from caruso.config import load_config
from caruso.server import serve, with_demo


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.demo:
        config = with_demo(config)
    logging.getLogger().setLevel(config.server.log_level)
    asyncio.run(serve(config))
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="start the configured services and run until SIGINT/SIGTERM",
                       description="Start every configured service (web UI/API, storage, telephony, ...) "
                                   "and run until SIGINT or SIGTERM, then stop them cleanly.")
    p.add_argument("--demo", action="store_true",
                   help="load the demo company (model, data, agents, queues, scripts)")
    p.set_defaults(func=run)
