"""INSERT ... ON CONFLICT DO NOTHING, which both databases take, written once."""

from __future__ import annotations

from sqlalchemy.orm import Session


def insert_unless_present(session: Session, model, *, key: str):
    """An INSERT into ``model``'s table that does nothing when a row with the same ``key``
    is there already (or being inserted: PostgreSQL then waits for that transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).on_conflict_do_nothing(index_elements=[key])
