"""Alembic environment of Caruso's system schema.

Run through ``caruso db upgrade`` (or the storage manager on a fresh database), which hands over an open
connection in ``config.attributes["connection"]``; the URL comes from caruso.toml, not from alembic.ini.
"""

from typing import Any

import sqlalchemy as sa
from alembic import context

from caruso.storage.schema import Base, UtcDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy ones, so migrations never import Caruso code."""
    if type_ != "type":
        return False
    if isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, sa.JSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run the migrations with `caruso db upgrade` (it reads the database URL from caruso.toml)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
