"""Draw seeds fixed before the appeals they decide: committed ahead, revealed after."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from panel_service.appeals.submission import create_appeal
from panel_service.enums import AuditKind
from panel_service.models import Appeal, AuditEvent, DrawEpoch
from panel_service.record import epochs
from panel_service.timeutil import local_date

from .. import factories

NOON_BEIJING = datetime(2025, 9, 24, 4, 0, tzinfo=UTC)


@pytest.mark.no_epochs
def test_the_coming_days_are_committed_in_one_event_and_only_once(session):
    made = epochs.commit_ahead(session=session, now=NOON_BEIJING, days=7)
    session.commit()
    assert [e.day for e in made] == [date(2025, 9, 24) + timedelta(n) for n in range(8)]
    assert all(e.commitment == hashlib.sha256(bytes.fromhex(e.secret)).hexdigest() for e in made)
    assert epochs.commit_ahead(session=session, now=NOON_BEIJING + timedelta(hours=1)) == []
    [event] = session.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.EPOCH_COMMITTED))
    published = json.loads(event.data)["epochs"]
    assert [p["commitment"] for p in published] == [e.commitment for e in made]
    assert all(e.secret not in event.data for e in made)  # the digest, never the secret


@pytest.mark.no_epochs
def test_a_day_is_revealed_once_it_is_over_in_beijing(session):
    epochs.commit_ahead(session=session, now=NOON_BEIJING, days=2)
    session.commit()
    # 23:30 in Beijing on the 24th: the day is not over yet.
    late = datetime(2025, 9, 24, 15, 30, tzinfo=UTC)
    assert epochs.reveal_ended(session=session, now=late) == []
    # 00:30 in Beijing on the 25th (16:30 UTC on the 24th): it is.
    [revealed] = epochs.reveal_ended(session=session, now=late + timedelta(hours=1))
    session.commit()
    assert revealed.day == date(2025, 9, 24)
    revealing = select(AuditEvent).where(AuditEvent.kind == AuditKind.EPOCH_REVEALED)
    event = session.exec(revealing).one()
    assert json.loads(event.data) == {"epochs": [{"day": "2025-09-24", "secret": revealed.secret}]}


@pytest.mark.no_epochs
@pytest.mark.parametrize("when", ["never", "after"])
def test_a_draw_refuses_a_day_not_committed_before_the_appeal(
    session, pool, department, rules, when
):
    registered = NOON_BEIJING
    if when == "after":
        epochs.commit_ahead(session=session, now=registered + timedelta(seconds=1))
        session.commit()
    with pytest.raises(epochs.EpochNotCommitted) as refused:
        create_appeal(session=session, data=factories.appeal_input(), submitted_by="t",
                      rules=rules, now=registered)  # fmt: skip
    session.rollback()
    assert refused.value.code == "epoch_not_committed" and refused.value.day == date(2025, 9, 24)
    assert session.exec(select(func.count()).select_from(Appeal)).one() == 0


def test_the_seed_is_the_published_hmac_of_the_days_secret_and_the_work_order(session, appeal):
    epoch = session.get(DrawEpoch, local_date(appeal.submitted_at))
    expected = hmac.new(
        bytes.fromhex(epoch.secret), b"panel-seed-v1\n" + appeal.work_order_no.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()  # fmt: skip
    assert appeal.draw_seed == expected and appeal.epoch_day == epoch.day
    drawn = session.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.PANEL_DRAWN)).one()
    data = json.loads(drawn.data)
    assert (data["seed_source"], data["epoch"], data["commitment"]) == (
        "epoch", "2025-09-24", epoch.commitment,
    )  # fmt: skip


def test_no_public_page_shows_a_secret_before_its_day_is_over(client, session, appeal, now):
    secret = session.get(DrawEpoch, local_date(now)).secret
    session.commit()
    pages = [
        client.get("/public/epochs"),
        client.get(f"/public/appeals/{appeal.reference}"),
        client.get("/public/bundle.json?start=2025-09-01&end=2025-09-30"),
        client.get("/public/?start=2025-09-01&end=2025-09-30"),
    ]
    assert [p.status_code for p in pages] == [200] * 4
    assert all(secret not in p.get_data(as_text=True) for p in pages)
    commitment = session.get(DrawEpoch, local_date(now)).commitment
    assert commitment in pages[1].get_data(as_text=True)


def test_init_db_commits_the_first_days(runner, session):
    session.execute(DrawEpoch.__table__.delete())
    session.commit()
    result = runner.invoke(args=["panel", "init-db"])
    assert result.exit_code == 0, result.output
    assert "draw seeds committed for 8 days" in result.output
    session.expire_all()
    assert session.exec(select(func.count()).select_from(DrawEpoch)).one() == 8
