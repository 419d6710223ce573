"""The demo's users (``caruso serve --demo``), created when there are no users yet.

The passwords are public (README quick start): a demo only, never a production database.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from caruso.auth.errors import UserNotFound
from caruso.auth.roles import Role

if TYPE_CHECKING:
    from caruso.auth.service import AuthService

log = logging.getLogger(__name__)

# user name, password, role, display name, ACD agent login
DEMO_USERS = (
    ("admin", "caruso-admin", Role.ADMIN, "Ada Admin", None),
    ("supervisor", "caruso-supervisor", Role.SUPERVISOR, "Sam Supervisor", None),
    ("alice", "caruso-alice", Role.AGENT, "Alice Martin", "alice"),
    ("bruno", "caruso-bruno", Role.AGENT, "Bruno Lefèvre", "bruno"),
)
# the demo queues' agent scripts (queues.settings["script"]), set when a queue has none
QUEUE_SCRIPTS = {"billing": "billing-dispute", "outage": "outage-report"}


async def create_demo_users(auth: AuthService, database: Any) -> int:
    from caruso.acd.demo import install_demo
    from caruso.storage.admin_repository import AdminRepository

    await install_demo(database)      # the demo agents the users work as (does nothing when they exist)
    admin = AdminRepository(database)
    for queue in await admin.queues():
        script = QUEUE_SCRIPTS.get(queue["name"])
        if script and not queue["settings"].get("script"):
            await admin.save_queue({"name": queue["name"], "settings": {**queue["settings"], "script": script}})
    if await auth.list_users():
        return 0
    for username, password, role, name, agent in DEMO_USERS:
        try:
            await auth.create_user(username, password, role, display_name=name, agent_id=agent)
        except UserNotFound:      # no such ACD agent in this database: the user works without one
            await auth.create_user(username, password, role, display_name=name)
    log.info("demo users created: %s", ", ".join(u[0] for u in DEMO_USERS))
    return len(DEMO_USERS)
