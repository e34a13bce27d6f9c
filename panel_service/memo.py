"""What one database transaction may remember: rows read under its locks, read once.

An audit chain's head is read once per transaction (the appeal's lock keeps it still
until commit), the calendar's overrides once per submission. Whatever is kept here is
forgotten when the transaction ends, savepoints included (a savepoint rolled back may have
undone what was read or written inside it), so nothing outlives the locks it was read under.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

_KEY = "panel_transaction_memo"


def of(session: Session) -> dict[str, Any]:
    """The memo of the session's current transaction (empty at its start)."""
    return session.info.setdefault(_KEY, {})


def take(session: Session, key: str) -> Any:
    """Remove and return what the current transaction keeps under ``key`` (None if nothing)."""
    kept = session.info.get(_KEY)
    return None if kept is None else kept.pop(key, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    # Every flush runs in an inner "subtransaction" of its own: not an end that counts.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_KEY, None)
