"""The storage manager: system schema, business objects, contact history and consent.

Only this package imports SQLAlchemy.  The rest of Caruso uses the StorageManager service (key STORAGE)
and gets plain dataclasses back.  See docs/storage.md.
"""
