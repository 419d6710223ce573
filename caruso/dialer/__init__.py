"""Outbound campaigns: preview, progressive and predictive dialing within the law.

Pure parts (no I/O, times passed in): ``model`` (campaigns, contacts, lawful limits), ``windows`` (time
zones and calling windows), ``compliance`` (the dial-time gate), ``pacer`` and ``stats`` (how many lines,
explained), ``retries`` and ``dispositions`` (what happens to a contact), ``simulator``.
The async ``service`` drives the switch and the ACD.
"""

from caruso.dialer.compliance import BlockReason, ConsentAnswer, Verdict, evaluate
from caruso.dialer.dispositions import Disposition, DispositionTable
from caruso.dialer.errors import (
    CallbackRejected,
    CampaignConfigError,
    CampaignNotFound,
    CampaignStateError,
    DialerError,
)
from caruso.dialer.model import (
    AttemptResult,
    CallingWindow,
    CampaignSpec,
    CampaignStatus,
    Contact,
    DialMode,
    PacingSettings,
    Purpose,
    RetryRules,
)
from caruso.dialer.pacer import Pacer, PacerInputs, PacingDecision

__all__ = [
    "AttemptResult", "BlockReason", "CallbackRejected", "CallingWindow", "CampaignConfigError",
    "CampaignNotFound", "CampaignSpec", "CampaignStateError", "CampaignStatus", "ConsentAnswer", "Contact",
    "DialMode", "DialerError", "Disposition", "DispositionTable", "PacerInputs", "Pacer", "PacingDecision",
    "PacingSettings", "Purpose", "RetryRules", "Verdict", "evaluate",
]
