"""Voicemail without a call: a recording left by a crash is repaired and stored at start; the API lists,
plays (marking listened) and deletes messages, with roles."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from caruso import keys
from caruso.core.descriptors import ServiceContext
from caruso.drivers.sip import audio
from caruso.voicemail import VoicemailService
from caruso.web.app import create_app
from tests.web.conftest import api_login, make_services, template_database
from tests.web.conftest import test_config as web_config


def crashed_recording(path: Path) -> bytes:
    """What pjmedia leaves when the process dies mid-message: a header whose sizes are still zero."""
    tone = audio.write_tone(path.with_name("tone.wav"), 440, 2.0)
    with wave.open(str(tone)) as w:
        frames = w.readframes(w.getnframes())
    tone.unlink()
    header = (b"RIFF" + struct.pack("<I", 0) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
              + b"data" + struct.pack("<I", 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + frames)
    return frames


def test_repair_fixes_the_sizes_and_refuses_what_is_not_a_wav(tmp_path: Path) -> None:
    frames = crashed_recording(tmp_path / "x.part.wav")
    assert audio.repair_wav(tmp_path / "x.part.wav") is True
    with wave.open(str(tmp_path / "x.part.wav")) as w:
        assert w.readframes(w.getnframes()) == frames
    assert audio.repair_wav(tmp_path / "x.part.wav") is False          # already right: untouched
    (tmp_path / "bad.wav").write_bytes(b"not a wav at all")
    with pytest.raises(ValueError, match="RIFF"):
        audio.repair_wav(tmp_path / "bad.wav")


@pytest.fixture
async def site(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import shutil
    shutil.copyfile(await template_database(tmp_path_factory), tmp_path / "caruso.db")
    crashed_recording(tmp_path / "voicemail" / "queue-billing" / "20260101-120000-w1-c7.part.wav")
    config = web_config(tmp_path)
    services, *_ = make_services(config)
    voicemail = VoicemailService(ServiceContext("voicemail", config, None, services))
    services.register(keys.VOICEMAIL, voicemail, depends_on=["storage"])
    await services.start()
    server = TestServer(create_app(services))
    await server.start_server()
    try:
        yield server, voicemail, tmp_path
    finally:
        await server.close()
        await services.stop()


async def test_a_crashed_recording_is_kept_and_served_by_the_api(site) -> None:  # type: ignore[no-untyped-def]
    from aiohttp import ClientSession, CookieJar

    server, voicemail, data = site
    messages = await voicemail.messages("queue:billing")
    assert len(messages) == 1
    path = Path(messages[0].path)
    assert path == data / "voicemail" / "queue-billing" / "20260101-120000-w1-c7.wav"
    assert abs(messages[0].duration_seconds - 2.0) < 0.01
    assert not list(path.parent.glob("*.part.wav"))

    async with ClientSession(base_url=server.make_url(""), cookie_jar=CookieJar(unsafe=True)) as agent:
        token = await api_login(agent, "bob")
        async with agent.get("/api/voicemail", params={"mailbox": "queue:billing"}) as resp:
            listed = (await resp.json())["voicemails"]
        assert [(m["id"], m["listened"]) for m in listed] == [(messages[0].id, False)]
        async with agent.get(listed[0]["audio"]) as resp:
            assert resp.status == 200 and resp.content_type == "audio/wav"
            assert await resp.read() == path.read_bytes()
        assert (await voicemail.get(messages[0].id)).listened_by == "bob"
        async with agent.delete(f"/api/voicemail/{messages[0].id}", headers={"X-CSRF-Token": token}) as resp:
            assert resp.status == 403
    async with ClientSession(base_url=server.make_url(""), cookie_jar=CookieJar(unsafe=True)) as supervisor:
        token = await api_login(supervisor, "sam")
        async with supervisor.delete(f"/api/voicemail/{messages[0].id}", headers={"X-CSRF-Token": token}) as resp:
            assert resp.status == 200
        async with supervisor.get(f"/api/voicemail/{messages[0].id}/audio") as resp:
            assert resp.status == 404
    assert not path.exists() and await voicemail.messages() == []
