"""The demo's users (``caruso serve --demo``), created when there are no users yet.

The passwords are public (README quick start): a demo only, never a production database.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from caruso.auth.errors import UserNotFound
from caruso.auth.roles import Role

if TYPE_CHECKING:
    from caruso.auth.service import AuthService

log = logging.getLogger(__name__)

# user name, password, role, display name, ACD agent login
DEMO_USERS = (
    ("admin", "caruso-admin", Role.ADMIN, "Ada Admin", None),
    ("supervisor", "caruso-supervisor", Role.SUPERVISOR, "Sam Supervisor", None),
    ("agent1", "caruso-agent1", Role.AGENT, "Alice Agent", "agent1"),
    ("agent2", "caruso-agent2", Role.AGENT, "Bob Agent", "agent2"),
)


async def create_demo_users(auth: AuthService) -> int:
    if await auth.list_users():
        return 0
    for username, password, role, name, agent in DEMO_USERS:
        try:
            await auth.create_user(username, password, role, display_name=name, agent_id=agent)
        except UserNotFound:      # no such ACD agent in this database: the user works without one
            await auth.create_user(username, password, role, display_name=name)
    log.info("demo users created: %s", ", ".join(u[0] for u in DEMO_USERS))
    return len(DEMO_USERS)
