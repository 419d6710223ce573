"""Typed keys of the well-known services.  ``services.get(STORAGE)`` is typed as the storage manager.

Only names and types live here (types imported for type checkers only), so importing this module
imports no component.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from caruso.core.component import ServiceKey

if TYPE_CHECKING:
    from caruso.acd.service import AcdService
    from caruso.config import Config
    from caruso.events.bus import EventBus
    from caruso.storage.service import StorageManager
    from caruso.telephony.interface import Switch

CONFIG: ServiceKey[Config] = ServiceKey("config")
EVENTS: ServiceKey[EventBus] = ServiceKey("events")
STORAGE: ServiceKey[StorageManager] = ServiceKey("storage")
MAILER: ServiceKey[Any] = ServiceKey("mailer")
SCRIPTS: ServiceKey[Any] = ServiceKey("scripts")
ACD: ServiceKey[AcdService] = ServiceKey("acd")
TELEPHONY: ServiceKey[Switch] = ServiceKey("telephony")
TTS: ServiceKey[Any] = ServiceKey("tts")
IVR: ServiceKey[Any] = ServiceKey("ivr")
VOICEMAIL: ServiceKey[Any] = ServiceKey("voicemail")
DIALER: ServiceKey[Any] = ServiceKey("dialer")
MONITOR: ServiceKey[Any] = ServiceKey("monitor")
WEB: ServiceKey[Any] = ServiceKey("web")
AUTH: ServiceKey[Any] = ServiceKey("auth")
PRIVACY: ServiceKey[Any] = ServiceKey("privacy")
