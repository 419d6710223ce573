"""Dialer fixtures: the real storage (SQLite and PostgreSQL) from the storage tests."""

from __future__ import annotations

from tests.storage.conftest import backend, storage  # noqa: F401  (fixtures)
