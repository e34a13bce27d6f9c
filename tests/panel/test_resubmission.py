"""One work order, one candidate order: a resubmission continues its first draw."""

from __future__ import annotations

import json

from sqlmodel import select

from panel_service.appeals.submission import create_appeal
from panel_service.enums import AuditKind
from panel_service.membership.changes import suspend_panelist
from panel_service.models import AuditEvent, Panelist
from panel_service.panel import fairness, lifecycle
from panel_service.panel.replay import replay_draw
from panel_service.panel.seating import seated

from .. import factories

WORK_ORDER = "XN20250000009999"


def _submit(session, rules, now):
    appeal = create_appeal(
        session=session, data=factories.appeal_input(work_order_no=WORK_ORDER),
        submitted_by="staff:op", rules=rules, now=now,
    )  # fmt: skip
    session.commit()
    return appeal


def _panel(session, appeal):
    return {s.panelist_id for s in seated(session=session, appeal_id=appeal.id)}


def test_withdrawing_and_resubmitting_never_draws_a_new_panel(
    session, pool, department, rules, now
):
    """t_reroll: on 2f19d94 an operator got three chosen members seated in 128 tries."""
    first = _submit(session, rules, now)
    panel = _panel(session, first)
    appeal = first
    for _ in range(20):
        lifecycle.withdraw_appeal(session=session, appeal=appeal, reason="材料补充",
                                  actor="staff:op", now=now)  # fmt: skip
        session.commit()
        following = _submit(session, rules, now)
        assert following.predecessor_id == appeal.id
        assert following.draw_seed == first.draw_seed
        assert _panel(session, following) == panel
        appeal = following
    assert replay_draw(session=session, appeal=appeal).ok
    created = session.exec(
        select(AuditEvent).where(AuditEvent.appeal_id == appeal.id,
                                 AuditEvent.kind == AuditKind.APPEAL_CREATED)
    ).one()  # fmt: skip
    assert json.loads(created.data)["predecessor"] is not None
    window = dict(start=now.replace(hour=0), end=now.replace(hour=23))
    records = fairness.draw_records(session=session, **window)
    assert [appeal_id for appeal_id, _ in records] == [first.id]  # counted once
    assert len(fairness.resubmissions(session=session, **window)) == 20


def test_a_member_who_may_no_longer_sit_gives_way_along_the_same_order(
    session, pool, department, rules, now
):
    first = _submit(session, rules, now)
    panel = seated(session=session, appeal_id=first.id)
    gone = session.get(Panelist, panel[0].panelist_id)
    lifecycle.withdraw_appeal(session=session, appeal=first, reason="材料补充", actor="staff:op",
                              now=now)  # fmt: skip
    suspend_panelist(session=session, panelist=gone, actor="admin", rules=rules, now=now)
    session.commit()
    second = _submit(session, rules, now)
    kept = _panel(session, second)
    assert gone.id not in kept and len(kept) == 5
    assert {s.panelist_id for s in panel[1:]} <= kept
    drawn = session.exec(
        select(AuditEvent).where(AuditEvent.appeal_id == second.id,
                                 AuditEvent.kind == AuditKind.PANEL_DRAWN)
    ).one()  # fmt: skip
    data = json.loads(drawn.data)
    assert data["seed_source"] == "predecessor" and data["dropped"] == [[gone.id, "inactive"]]
    assert data["from_position"] == first.draw_position
    report = replay_draw(session=session, appeal=second)
    assert report.ok, report.problems


def test_the_public_record_flags_a_resubmission(client, session, pool, department, rules, now):
    first = _submit(session, rules, now)
    lifecycle.withdraw_appeal(session=session, appeal=first, reason="材料补充", actor="staff:op",
                              now=now)  # fmt: skip
    session.commit()
    second = _submit(session, rules, now)
    listing = client.get("/public/?start=2025-09-01&end=2025-09-30&lang=en").get_data(as_text=True)
    assert f"resubmission of {first.reference}" in listing
    page = client.get(f"/public/appeals/{second.reference}?lang=en").get_data(as_text=True)
    assert first.reference in page and "continues that appeal" in page
