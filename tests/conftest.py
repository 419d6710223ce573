"""Project-wide fixtures.  Area-specific fixtures live in tests/<area>/conftest.py or tests/support/."""

from __future__ import annotations

import os
import socket

import pytest

PG_URL_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def pg_url() -> str:
    return os.environ.get("CARUSO_TEST_PG_URL", PG_URL_DEFAULT)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def postgres_url() -> str:
    """The real PostgreSQL's URL; fails with what to do when none answers."""
    url = pg_url()
    host, port = "127.0.0.1", 5432
    try:
        with socket.create_connection((host, port), timeout=2):
            pass
    except OSError as exc:
        pytest.fail(f"PostgreSQL is not answering on {host}:{port} ({exc}); run ./test.sh, which starts one "
                    "(needs Debian's postgresql package), or set CARUSO_TEST_PG_URL")
    return url
