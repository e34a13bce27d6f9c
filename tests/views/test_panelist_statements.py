"""The panelist's link page asks the database once: seat, appeal, pledge and attachments.

Counts the statements the app's engine sends for one page view (BEGIN, which SQLite gets
as its own statement, left out), so a change that adds a round trip to the hot page fails
here rather than only in bench/.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from panel_service.models import Attachment

from ..panelist_pages import pledge, seats, text, vote


def _attach(session, appeal, name, now):
    session.add(
        Attachment(
            appeal_id=appeal.id,
            filename=name,
            content_type="application/pdf",
            size=3,
            sha256="0" * 64,
            storage_name=uuid.uuid4().hex,
            uploaded_by="staff:test",
            created_at=now,
        )
    )
    session.commit()


def test_the_vote_page_is_one_statement(client, session, appeal, make_link, statements, now):
    _attach(session, appeal, "现场照片.pdf", now)
    _attach(session, appeal, "回访记录.pdf", now)
    token = make_link(seats(session, appeal)[0])
    pledge(client, token)  # opened and pledged: later views write nothing
    statements.clear()
    page = client.get(f"/v/{token}")
    assert page.status_code == 200 and 'name="vote"' in text(page)
    assert "现场照片.pdf" in text(page) and "回访记录.pdf" in text(page)
    assert len(statements) == 1, statements


def test_a_pledge_taken_on_an_earlier_seat_costs_no_extra_statement(
    client, session, appeal, make_link, statements, department, rules, now
):
    from panel_service.appeals.submission import create_appeal

    from .. import factories

    pledged = {}
    for first in seats(session, appeal):
        pledge(client, make_link(first))
        pledged[first.panelist_id] = first
    seat = None
    while seat is None:  # a later appeal that drew one of them (5 of a pool of 20)
        later = create_appeal(
            session=session,
            data=factories.appeal_input(department=department.code),
            submitted_by="staff:test",
            rules=rules,
            now=now,
        )
        session.commit()
        seat = next((s for s in seats(session, later) if s.panelist_id in pledged), None)
    assert seat.pledge_confirmed_at is None
    token = make_link(seat)
    client.get(f"/v/{token}")  # the first opening is recorded (a write, counted apart)
    statements.clear()
    page = client.get(f"/v/{token}")
    assert 'name="vote"' in text(page)  # the earlier pledge counts: no pledge page
    assert len(statements) == 1, statements


def test_the_receipt_page_is_one_statement(client, session, appeal, make_link, statements):
    token = make_link(seats(session, appeal)[0])
    assert vote(client, token, pledge(client, token)).status_code == 303
    statements.clear()
    receipt = client.get(f"/v/{token}")
    assert receipt.status_code == 200 and 'class="seal"' in text(receipt)
    assert len(statements) == 1, statements


def test_a_page_view_takes_no_write_lock(app, client, session, appeal, make_link):
    """On SQLite the page reads with no transaction of its own (each statement a snapshot),
    so it never queues for the lock (BEGIN IMMEDIATE) behind a writer, nor makes one wait;
    PostgreSQL sends no BEGIN either."""
    engine = app.extensions["panel_engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    token = make_link(seats(session, appeal)[0])
    pledge(client, token)
    begun: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.upper().startswith("BEGIN"):
            begun.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert 'name="vote"' in text(client.get(f"/v/{token}"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert begun == []
