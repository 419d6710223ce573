from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def sip_tools() -> None:
    """The real SIP stacks these tests need; a missing one fails the test saying what to install."""
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        pytest.fail("pjsua2 is not installed: pip install pjsua2-python (a project dependency)")
    if shutil.which("kamailio") is None and not shutil.os.path.exists("/usr/sbin/kamailio"):
        pytest.fail("kamailio is not installed: apt-get install kamailio (tools/setup.sh run)")
