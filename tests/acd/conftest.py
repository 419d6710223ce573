"""ACD fixtures: the storage backends (SQLite and the real PostgreSQL) are the storage tests' own."""

from tests.storage.conftest import backend, storage  # noqa: F401  (fixtures)
