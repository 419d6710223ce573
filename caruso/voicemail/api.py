"""Voicemail over the JSON API: list messages, listen (the WAV), mark listened, delete.

    GET    /api/voicemail?mailbox=queue:billing     agent and above
    GET    /api/voicemail/{id}/audio                 agent and above (marks the message listened)
    DELETE /api/voicemail/{id}                       supervisor and above
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from caruso import keys
from caruso.auth.roles import Role
from caruso.privacy import audit as privacy_audit
from caruso.storage.calls_repository import VoicemailRecord
from caruso.web.errors import ApiError
from caruso.web.keys import SERVICES
from caruso.web.security import access, current_user


def _service(request: web.Request) -> Any:
    service = request.app[SERVICES].find(keys.VOICEMAIL)
    if service is None:
        raise ApiError(503, "unavailable", "the voicemail service is not running")
    return service


def _as_dict(record: VoicemailRecord) -> dict[str, Any]:
    return {"id": record.id, "mailbox": record.mailbox, "caller": record.caller_number, "call_id": record.call_id,
            "duration": round(record.duration_seconds, 1), "created_at": record.created_at.isoformat(),
            "listened": record.listened, "listened_by": record.listened_by,
            "audio": f"/api/voicemail/{record.id}/audio"}


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise ApiError(404, "not_found", "no such voicemail") from None


@access(Role.AGENT)
async def list_messages(request: web.Request) -> web.Response:
    records = await _service(request).messages(request.query.get("mailbox"))
    return web.json_response({"voicemails": [_as_dict(r) for r in records]})


@access(Role.AGENT)
async def listen(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    record = await service.get(_id(request))
    if record is None or not Path(record.path).is_file():
        raise ApiError(404, "not_found", "no such voicemail")
    await service.mark_listened(record.id, current_user(request).username)
    await privacy_audit.record(request.app[SERVICES], current_user(request).username, privacy_audit.RECORDING_PLAY,
                               f"voicemail:{record.id}", {"via": "api"}, remote_addr=request.remote)
    return web.FileResponse(record.path, headers={"Content-Type": "audio/wav"})


@access(Role.SUPERVISOR)
async def delete_message(request: web.Request) -> web.Response:
    if not await _service(request).delete(_id(request)):
        raise ApiError(404, "not_found", "no such voicemail")
    return web.json_response({"deleted": True})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/voicemail", list_messages)
    app.router.add_get("/api/voicemail/{id}/audio", listen)
    app.router.add_delete("/api/voicemail/{id}", delete_message)
