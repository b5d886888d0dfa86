"""SQLite persistence: schema and migrations, the batched writer, the database sink."""

from engine.store.database import Store, connect
from engine.store.sink import StoreSink, db_path

__all__ = ["Store", "StoreSink", "connect", "db_path"]
