"""Fixtures of the view tests."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


@pytest.fixture
def statements(app):
    """The statements the app sends while the block runs (BEGIN, which SQLite gets as its
    own statement, not counted)."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(statement)

    engine = app.extensions["panel_engine"]
    sa.event.listen(engine, "before_cursor_execute", seen)
    yield sent
    sa.event.remove(engine, "before_cursor_execute", seen)
