"""The system schema: every table Caruso itself owns, as SQLAlchemy ``Mapped`` classes on ``Base``.

Only code inside ``caruso.storage`` imports these (repositories); the rest of Caruso gets dataclasses.
Changing a table here needs a new migration in ``storage/migrations/versions`` (see docs/storage.md).
"""

from caruso.storage.schema.acd import Agent, AgentSkill, AgentStateLog, Queue, QueueMember, QueueSkill, Skill
from caruso.storage.schema.base import Base, UtcDateTime, utcnow
from caruso.storage.schema.calls import Call, CallLeg, Voicemail
from caruso.storage.schema.campaigns import Callback, Campaign, CampaignAttempt, CampaignContact, Disposition
from caruso.storage.schema.contacts import ConsentRow, ContactHistoryRow, Suppression
from caruso.storage.schema.scripts import ScriptRun
from caruso.storage.schema.web import AuditEntry, User

__all__ = [
    "Agent", "AgentSkill", "AgentStateLog", "AuditEntry", "Base", "Call", "CallLeg", "Callback", "Campaign",
    "CampaignAttempt", "CampaignContact", "ConsentRow", "ContactHistoryRow", "Disposition", "Queue",
    "QueueMember", "QueueSkill", "ScriptRun", "Skill", "Suppression", "User", "UtcDateTime", "Voicemail",
    "utcnow",
]
