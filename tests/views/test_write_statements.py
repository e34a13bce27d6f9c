"""What a vote and an API appeal ask of the database, statement by statement.

A plain vote: the link's page query, the appeal's lock, its seats' lock (with the audit
chain's head), the seat's UPDATE, then the head's UPDATE and the event's INSERT. A deciding
vote adds the appeal's and the closed seats' UPDATEs, the department for the webhook and
the webhook's INSERT; its two events still take one INSERT and the head one UPDATE. An API
appeal: the key, the department, the work order, its earlier appeals, the calendar, the
appeal, the epoch, the pool, then one UPDATE of the appeal and one INSERT per table. A
change that adds a round trip to these paths fails here rather than only in bench/.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

from panel_service.enums import AppealStatus
from panel_service.models import Appeal

from .. import factories
from ..panelist_pages import fresh, pledge, seats, vote

_TABLE = re.compile(r"^(UPDATE)\s+(\w+)|^(SELECT|INSERT)\b.*?\b(?:FROM|INTO)\s+(\w+)", re.S | re.I)


def shape(statements: list[str]) -> Counter:
    """How many statements of each kind on each table: ("UPDATE", "audit_chain"): 1."""
    found = Counter()
    for statement in statements:
        match = _TABLE.match(statement.strip())
        verb, table = (match[1], match[2]) if match and match[1] else (match[3], match[4])
        found[(verb.upper(), table)] += 1
    return found


def _forms(client, session, appeal, make_link):
    """The vote form of each seat, opened and pledged (those writes are not counted)."""
    return [(token, pledge(client, token)) for token in map(make_link, seats(session, appeal))]


def test_a_plain_vote_is_six_statements(client, session, appeal, make_link, statements):
    (token, form), *_rest = _forms(client, session, appeal, make_link)
    statements.clear()
    assert vote(client, token, form).status_code == 303
    assert shape(statements) == {
        ("SELECT", "assignment"): 2,  # the page's query; the seats, locked, with the head
        ("SELECT", "appeal"): 1,  # the lock
        ("UPDATE", "assignment"): 1,
        ("UPDATE", "audit_chain"): 1,
        ("INSERT", "audit_event"): 1,
    }, statements


def test_a_deciding_vote_is_ten_statements(client, session, appeal, make_link, statements):
    forms = _forms(client, session, appeal, make_link)
    for token, form in forms[:2]:
        assert vote(client, token, form).status_code == 303
    statements.clear()
    assert vote(client, *forms[2]).status_code == 303
    assert fresh(session, Appeal, appeal.id).status == AppealStatus.DECIDED
    assert shape(statements) == {
        ("SELECT", "assignment"): 2,
        ("SELECT", "appeal"): 1,
        ("UPDATE", "appeal"): 1,
        ("UPDATE", "assignment"): 2,  # the vote; the two seats left, closed in one
        ("UPDATE", "audit_chain"): 1,  # once for both events
        ("INSERT", "audit_event"): 1,  # the vote and the decision
        ("SELECT", "department"): 1,  # the webhook's department code
        ("INSERT", "outbox_message"): 1,  # the webhook, its counts from the locked seats
    }, statements


def test_an_api_appeal_is_sixteen_statements(app, api, pool, department, statements):
    postgres = app.extensions["panel_engine"].dialect.name == "postgresql"
    assert api.get("/api/v1/departments").status_code == 200  # the key's hourly touch
    statements.clear()
    payload = dataclasses.asdict(factories.appeal_input(department=department.code))
    assert api.post("/api/v1/appeals", json=payload).status_code == 201
    assert shape(statements) == {
        ("SELECT", "api_key"): 1,
        ("SELECT", "department"): 1,
        ("INSERT", "work_order"): 1,  # registered at once: it is new
        ("SELECT", "appeal"): 1,  # the work order's live appeal and predecessor, together
        ("SELECT", "calendar_override"): 1,  # once for the appeal's and its seats' windows
        ("INSERT", "appeal"): 1,
        ("SELECT", "draw_epoch"): 1,
        ("SELECT", "panelist"): 1,  # the pool
        ("UPDATE", "appeal"): 1,  # the reference and the draw, together
        # The five seats; on SQLite one by one, in-process (the ORM needs each new id, and
        # SQLite's RETURNING does not promise the order of a multi-row INSERT's).
        ("INSERT", "assignment"): 1 if postgres else 5,
        ("INSERT", "audit_chain"): 1,  # the new chain's head, written once
        ("INSERT", "audit_event"): 1,  # appeal.created and panel.drawn
        ("INSERT", "outbox_message"): 1,  # five invitations
        # What the fairness report sums: the pool (once per membership), the draw, the picks.
        ("INSERT", "fairness_pool"): 1,
        ("INSERT", "fairness_draw"): 1,
        ("INSERT", "fairness_pick"): 1,
    }, statements
