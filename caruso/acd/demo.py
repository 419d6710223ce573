"""The demo utility company's contact centre for ``caruso serve --demo``: billing and outage queues and
five agents, written to storage once (only into an empty configuration)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

SKILLS = {"billing": "invoices, payments, tariffs", "outage": "power and gas outages, meter faults",
          "french": "speaks French"}

QUEUES: list[dict[str, Any]] = [
    {"name": "billing", "label": "Billing", "strategy": "longest_idle", "skills": {"billing": 50},
     "settings": {"relaxation": [[30, 30], [90, 1]], "max_wait": 600, "overflow": "voicemail:billing",
                  "announce_interval": 60, "service_level_seconds": 30, "default_handle_time": 240}},
    {"name": "outage", "label": "Outages", "strategy": "ring_all", "skills": {"outage": 40},
     "settings": {"relaxation": [[20, 1]], "max_wait": 300, "overflow": "callback", "announce_interval": 45,
                  "service_level_seconds": 20, "default_handle_time": 150, "ring_all_limit": 5}},
]

AGENTS: list[dict[str, Any]] = [
    {"login": "alice", "name": "Alice Martin", "extension": "sip:alice@127.0.0.1", "wrapup_seconds": 15,
     "skills": {"billing": 90, "french": 100}, "queues": {"billing": 0, "outage": 2}},
    {"login": "bruno", "name": "Bruno Lefèvre", "extension": "sip:bruno@127.0.0.1", "wrapup_seconds": 15,
     "skills": {"outage": 85, "french": 100}, "queues": {"outage": 0}},
    {"login": "chloe", "name": "Chloé Dubois", "extension": "sip:chloe@127.0.0.1", "wrapup_seconds": 20,
     "skills": {"billing": 60, "outage": 70}, "queues": {"billing": 0, "outage": 0}},
    {"login": "david", "name": "David Moreau", "phone": "+33612345678", "wrapup_seconds": 10,
     "skills": {"billing": 35}, "queues": {"billing": 1}},
    {"login": "emma", "name": "Emma Laurent", "extension": "sip:emma@127.0.0.1", "wrapup_seconds": 15,
     "skills": {"outage": 50, "billing": 40}, "queues": {"outage": 1, "billing": 2}},
]


async def install_demo(database: Any) -> bool:
    """Write the demo's skills, queues and agents unless some queue exists already.  Returns True if written."""
    from caruso.storage.admin_repository import AdminRepository

    admin = AdminRepository(database)
    if await admin.queues():
        return False
    for name, description in SKILLS.items():
        await admin.save_skill(name, description)
    for queue in QUEUES:
        await admin.save_queue(queue)
    for agent in AGENTS:
        await admin.save_agent(agent)
    log.info("demo contact centre installed: %d queues, %d agents", len(QUEUES), len(AGENTS))
    return True
