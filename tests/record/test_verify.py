"""The cross-check: the tables against the events, alone or on the chain walk's way."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from panel_service.models import Assignment, FairnessDraw, FairnessPick, FairnessPool, Panelist
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated
from panel_service.record import verify

OPINION = "部门已按时办结,市民不满意的是其他事项。"


@pytest.fixture
def decided(session, appeal, rules, now):
    """The appeal with a recusal replaced, then decided by three votes of five."""
    first = seated(session=session, appeal_id=appeal.id)[0]
    lifecycle.recuse(session=session, assignment=first, note=None, rules=rules, now=now)
    session.commit()
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        lifecycle.record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                              rules=rules, now=now + timedelta(hours=1))  # fmt: skip
    session.commit()
    return appeal


def _voted(session, appeal):
    return session.exec(
        select(Assignment).where(Assignment.appeal_id == appeal.id, Assignment.state == "voted")
    ).first()


def _stranger(session, appeal):
    sitting = select(Assignment.panelist_id).where(Assignment.appeal_id == appeal.id)
    return session.exec(select(Panelist.id).where(Panelist.id.not_in(sitting))).first()


TAMPERINGS = {
    "a seat given to someone no draw seated": (
        lambda s, a: sa.update(Assignment).where(Assignment.id == _voted(s, a).id)
        .values(panelist_id=_stranger(s, a)), "was seated by no event"),
    "a seal replaced": (
        lambda s, a: sa.update(Assignment).where(Assignment.id == _voted(s, a).id)
        .values(seal="f" * 64), "seal is not the audited one"),
    "a vote turned": (
        lambda s, a: sa.update(Assignment).where(Assignment.id == _voted(s, a).id)
        .values(vote="disagree"), "seal does not open to its vote"),
    "an opinion rewritten": (
        lambda s, a: sa.update(Assignment).where(Assignment.id == _voted(s, a).id)
        .values(opinion=OPINION + "补充"), "seal does not open to its vote"),
    "a decided appeal reopened": (
        lambda s, a: sa.update(type(a)).where(type(a).id == a.id).values(status="open"),
        "status open, its events say decided"),
    "the decision turned": (
        lambda s, a: sa.update(type(a)).where(type(a).id == a.id).values(decision="dismissed"),
        "decided dismissed, its opened votes say upheld"),
    "a pick of the draw's summary changed": (
        lambda s, a: sa.update(FairnessPick).where(
            FairnessPick.panelist_id == seated(session=s, appeal_id=a.id)[-1].panelist_id
        ).values(panelist_id=_stranger(s, a)), "fairness summary of draw event"),
    "the draw's summary moved to another day": (
        lambda s, a: sa.update(FairnessDraw).values(at=a.submitted_at - timedelta(days=40)),
        "fairness summary of draw event"),
    "the draw's pool rewritten": (
        lambda s, a: sa.update(FairnessPool).values(members="[]"),
        "fairness summary of draw event"),
    "the draw's summary deleted": (
        lambda s, a: sa.delete(FairnessPick), "fairness summary of draw event"),
}  # fmt: skip


def test_an_untouched_record_agrees_with_itself(session, decided):
    assert verify.cross_check(session=session) == []
    report, record, problems = verify.check_all(session=session, public_raw=None)
    assert report.ok and record.checkpoints == 0 and problems == []


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_each_tampering_with_the_tables_is_named(session, decided, tampering):
    change, message = TAMPERINGS[tampering]
    session.execute(change(session, decided))
    session.commit()
    alone = verify.cross_check(session=session)
    assert any(message in line and decided.reference in line for line in alone), alone
    report, _record, problems = verify.check_all(session=session, public_raw=None)
    assert report.ok and problems == alone  # the walk's facts are the events' facts
