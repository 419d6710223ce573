"""Voicemail: mailboxes per queue and per agent, greetings, safe recording, storage, e-mail notices."""

from caruso.voicemail.service import VoicemailService

__all__ = ["VoicemailService"]
