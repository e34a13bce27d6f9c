"""The landing page."""

from __future__ import annotations

import time

import sqlalchemy as sa

from .. import factories


def test_landing_page_counts_open_appeals_and_active_panelists(client, appeal):
    response = client.get("/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "在评申诉:<strong>1</strong>" in text
    assert "在册评价员:<strong>20</strong>" in text


def test_the_landing_counts_are_at_most_a_few_seconds_old(
    app, client, session, pool, appeal, monkeypatch
):
    from panel_service.views import main

    assert "在册评价员:<strong>20</strong>" in client.get("/").get_data(as_text=True)
    statements = []
    sa.event.listen(app.extensions["panel_engine"], "before_cursor_execute",
                    lambda *args: statements.append(args[2]))  # fmt: skip
    factories.PanelistFactory.create_batch(2)
    session.commit()
    assert "在册评价员:<strong>20</strong>" in client.get("/").get_data(as_text=True)
    assert statements == []  # counted a moment ago: no query
    later = time.monotonic() + main.COUNTS_MAX_AGE + 0.1
    monkeypatch.setattr(main.time, "monotonic", lambda: later)
    assert "在册评价员:<strong>22</strong>" in client.get("/").get_data(as_text=True)
    assert len(statements) == 2 and all(s.startswith("SELECT") for s in statements)


def test_the_landing_page_of_a_signed_in_user_shows_their_menu(staff_client):
    text = staff_client.get("/").get_data(as_text=True)
    assert ">退出</button>" in text and 'name="csrf_token"' in text
