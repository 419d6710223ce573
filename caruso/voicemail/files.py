"""Where messages are written, and how: recorded under a temporary ``.part`` name, renamed when complete.

A message is never lost: after a hang-up the recording is complete (pjsua2 wrote its header when the
recorder was destroyed) and renamed; after a crash of the media worker or of Caruso, ``recover`` finds
the ``.part`` files, repairs their WAV header from the file size and renames them.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from caruso.drivers.sip.audio import repair_wav

PART = ".part.wav"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def mailbox_dir(root: Path, mailbox: str) -> Path:
    return root / _SAFE.sub("_", mailbox.replace(":", "-"))


def new_part(root: Path, mailbox: str, call_id: str) -> Path:
    folder = mailbox_dir(root, mailbox)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return folder / f"{stamp}-{_SAFE.sub('_', call_id)}{PART}"


def final_name(part: Path) -> Path:
    return part.with_name(part.name[: -len(PART)] + ".wav")


def complete(part: Path) -> Path:
    """Rename a finished recording to its final name (atomic on one file system)."""
    final = final_name(part)
    os.replace(part, final)
    return final


def recover(root: Path) -> list[tuple[str, Path]]:
    """Repair and rename every left-over ``.part`` recording; returns (mailbox folder, final path)."""
    found = []
    if not root.exists():
        return found
    for part in sorted(root.glob(f"*/*{PART}")):
        if part.stat().st_size <= 44:
            part.unlink()
            continue
        try:
            repair_wav(part)
        except ValueError:
            continue
        found.append((part.parent.name, complete(part)))
    return found
