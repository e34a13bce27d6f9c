"""Votes, every tally path to a decision, and the race for the deciding vote."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from panel_service.enums import AppealStatus, AssignmentState, AuditKind, Decision
from panel_service.models import Appeal, Assignment, AuditEvent
from panel_service.panel.lifecycle import record_vote
from panel_service.panel.voting import published_tally
from panel_service.refusals import Refused

OPINION = "部门已按规定办结,理由充分。"


def seats(session, appeal):
    return list(
        session.exec(
            select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
        )
    )


def cast(session, assignment, vote, rules, now):
    decision = record_vote(
        session=session, assignment=assignment, vote=vote, opinion=OPINION, rules=rules, now=now
    )
    session.commit()
    return decision


@pytest.mark.parametrize(
    ("votes", "decision", "tally"),
    [
        ("aaa", Decision.UPHELD, (3, 0)),
        ("adaa", Decision.UPHELD, (3, 1)),
        ("addaa", Decision.UPHELD, (3, 2)),
        ("ddd", Decision.DISMISSED, (0, 3)),
        ("dadd", Decision.DISMISSED, (1, 3)),
        ("adadd", Decision.DISMISSED, (2, 3)),
    ],
)
def test_every_tally_path_decides_at_the_majority(
    session, appeal, rules, now, votes, decision, tally
):
    panel = seats(session, appeal)
    results = []
    for seat, letter in zip(panel, votes, strict=False):
        assert published_tally(session=session, appeal=appeal) is None
        results.append(cast(session, seat, "agree" if letter == "a" else "disagree", rules, now))
    # Only the last vote takes the decision.
    assert results[:-1] == [None] * (len(votes) - 1)
    assert results[-1] == decision
    stored = session.get(Appeal, appeal.id)
    assert (stored.status, stored.decision, stored.decided_at) == (
        AppealStatus.DECIDED,
        decision,
        now,
    )
    counted = published_tally(session=session, appeal=stored)
    assert (counted.agree, counted.disagree) == tally
    states = [s.state for s in seats(session, appeal)]
    assert states.count(AssignmentState.VOTED) == len(votes)
    assert states.count(AssignmentState.CLOSED) == 5 - len(votes)
    decisions = session.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.DECISION)).all()
    assert len(decisions) == 1


def test_a_panelist_votes_once(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    cast(session, seat, "agree", rules, now)
    with pytest.raises(Refused) as info:
        cast(session, seat, "disagree", rules, now)
    assert info.value.code == "already_voted"
    session.rollback()
    assert session.get(Assignment, seat.id).vote == "agree"


def test_votes_after_the_decision_are_refused(session, appeal, rules, now):
    panel = seats(session, appeal)
    for seat in panel[:3]:
        cast(session, seat, "disagree", rules, now)
    with pytest.raises(Refused) as info:
        cast(session, panel[3], "agree", rules, now)
    assert info.value.code == "decided"


def test_votes_after_the_deadline_are_refused(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    with pytest.raises(Refused) as info:
        cast(session, seat, "agree", rules, seat.deadline + timedelta(seconds=1))
    assert info.value.code == "expired"


@pytest.mark.parametrize(
    ("vote", "opinion", "reason"),
    [
        ("agree", "太短了", "opinion_length"),
        ("agree", " " * 20, "opinion_length"),
        ("agree", "理" * 2001, "opinion_length"),
        ("agree", "\u200b" * 10, "opinion_length"),  # ten zero-width spaces
        ("agree", "\u200b\u200d\ufeff\u2060" * 5, "opinion_length"),  # and their cousins
        ("agree", "a" + "\u0301" * 15, "opinion_length"),  # one letter, fifteen accents
        ("agree", "好\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164", "opinion_length"),
        ("agree", "\u202e" * 12, "opinion_length"),  # right-to-left overrides, nothing else
        ("maybe", OPINION, "invalid_vote"),
        ("", OPINION, "invalid_vote"),
    ],
)
def test_bad_votes_are_refused_and_nothing_changes(
    session, appeal, rules, now, vote, opinion, reason
):
    seat = seats(session, appeal)[0]
    with pytest.raises(Refused) as info:
        record_vote(
            session=session, assignment=seat, vote=vote, opinion=opinion, rules=rules, now=now
        )
    assert info.value.code == reason
    session.rollback()
    stored = session.get(Assignment, seat.id)
    assert (stored.state, stored.vote) == (AssignmentState.PENDING, None)


def test_an_opinion_is_counted_in_visible_characters(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    opinion = "Cafe\u0301 re\u0301sume\u0301s"  # ten letters a reader sees, three accents
    record_vote(session=session, assignment=seat, vote="agree", opinion=opinion, rules=rules,
                now=now)  # fmt: skip
    assert seat.opinion == opinion


def test_bidirectional_overrides_are_removed_from_a_stored_opinion(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    # Shown as "...同意撤销" but stored reversed: the override is what makes it lie.
    opinion = "部门处理得当，我的意见是\u202e销撤意同\u202c，谢谢。"
    record_vote(session=session, assignment=seat, vote="agree", opinion=opinion, rules=rules,
                now=now)  # fmt: skip
    assert seat.opinion == "部门处理得当，我的意见是销撤意同，谢谢。"
    assert not set(seat.opinion) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@pytest.mark.parametrize("length", [10, 2000])
def test_opinion_length_bounds_are_inclusive(session, appeal, rules, now, length):
    seat = seats(session, appeal)[0]
    record_vote(
        session=session, assignment=seat, vote="agree", opinion="评" * length, rules=rules, now=now
    )
    assert len(seat.opinion) == length


def test_the_audit_hides_a_choice_until_the_decision(session, appeal, rules, now):
    seat = seats(session, appeal)[0]
    cast(session, seat, "agree", rules, now)
    event = session.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.VOTE_RECORDED)).one()
    assert "agree" not in event.data


@pytest.mark.parametrize("round_", range(4))
def test_simultaneous_deciding_votes_decide_exactly_once(
    engine, session, appeal, rules, now, round_
):
    """Two votes are in; three panelists vote at the same instant from three threads."""
    panel = seats(session, appeal)
    for seat in panel[:2]:
        cast(session, seat, "agree", rules, now)
    barrier = threading.Barrier(3)
    outcomes: list = []

    def vote(assignment_id: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            seat = own.get(Assignment, assignment_id)
            own.rollback()  # release SQLite's lock taken by the read before the race starts
            barrier.wait()
            try:
                outcomes.append(
                    record_vote(
                        session=own,
                        assignment=seat,
                        vote="agree",
                        opinion=OPINION,
                        rules=rules,
                        now=now,
                    )
                )
                own.commit()
            except Refused as exc:
                own.rollback()
                outcomes.append(exc.code)

    threads = [threading.Thread(target=vote, args=(s.id,)) for s in panel[2:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, outcomes)) == ["decided", "decided", "upheld"]
    session.expire_all()
    decisions = session.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == AuditKind.DECISION)
    ).one()
    assert decisions == 1
    voted = session.exec(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.VOTED)
    ).one()
    assert voted == 3
