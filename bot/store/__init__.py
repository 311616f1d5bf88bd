"""Storage: SQLAlchemy models, the async engine and session factory, Alembic migrations."""

from bot.store.db import Database

__all__ = ["Database"]
