"""Campaign administration over the repository, with or without a running dialer (CLI, API, service)."""

from __future__ import annotations

from typing import Any

from caruso.dialer.codec import spec_to_dict
from caruso.dialer.errors import CampaignStateError
from caruso.dialer.model import CampaignStatus, DialMode, transition
from caruso.storage.campaign_repository import CampaignInfo, CampaignRepository


async def change_status(repo: CampaignRepository, name: str, action: str, now: float) -> CampaignInfo:
    info = await repo.get(name)
    target = transition(name, info.status, action)
    if target is CampaignStatus.RUNNING and info.spec.mode is not DialMode.PREVIEW and not info.spec.queue:
        raise CampaignStateError(f"campaign {name!r} has no queue of agents to work it")
    if target is info.status:
        return info
    return await repo.set_status(name, target, now)


async def summary(repo: CampaignRepository, info: CampaignInfo, now: float) -> dict[str, Any]:
    """Status and live progress: dialed, answered, connected, abandoned, no answer, busy, failed, remaining."""
    contacts = await repo.contact_counts(info.id)
    attempts = await repo.attempt_counts(info.id)
    days = await repo.live_answers_by_day(info.id, now)
    live, abandoned = sum(d[1] for d in days), sum(d[2] for d in days)
    remaining = contacts.get("pending", 0) + contacts.get("in_progress", 0) + contacts.get("callback", 0)
    return {
        "name": info.spec.name, "status": info.status.value, "mode": info.spec.mode.value,
        "purpose": info.spec.purpose.value, "queue": info.spec.queue, "label": info.spec.label,
        "contacts": contacts, "attempts": attempts,
        "progress": {"dialed": sum(n for r, n in attempts.items() if r != "blocked"),
                     "answered": attempts.get("connected", 0) + attempts.get("abandoned", 0),
                     "connected": attempts.get("connected", 0), "abandoned": attempts.get("abandoned", 0),
                     "no_answer": attempts.get("no_answer", 0), "busy": attempts.get("busy", 0),
                     "failed": attempts.get("failed", 0) + attempts.get("rejected", 0),
                     "blocked": contacts.get("do_not_call", 0), "remaining": remaining},
        "abandonment_30d": {"live_answers": live, "abandoned": abandoned,
                            "rate": round(abandoned / live, 5) if live else 0.0, "cap": info.spec.pacing.abandon_cap},
        "settings": spec_to_dict(info.spec),
    }
