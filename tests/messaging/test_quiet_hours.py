"""No SMS leaves in the quiet hours (default 21:00-08:00 Beijing); what fell due at night
goes when they end. Written first: five invitations went out at 03:00."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from panel_service import timeutil
from panel_service.config import Config
from panel_service.messaging.outbox import SmsSettings
from panel_service.models import OutboxMessage
from panel_service.panel.lifecycle import withdraw_appeal


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=timeutil.zone()).astimezone(UTC)


@pytest.fixture
def quiet_settings(sms_settings):
    """The configured default: 21:00-08:00 in the service zone."""
    default = SmsSettings.from_config(Config.from_env(environ={}))
    assert str(default.quiet_hours) == "21:00-08:00"
    return replace(sms_settings, quiet_hours=default.quiet_hours)


def at(instant):
    timeutil.set_clock(lambda: instant)
    return instant


def test_no_text_leaves_at_three_in_the_morning(appeal, make_worker, quiet_settings, sent_sms):
    at(beijing(2025, 9, 25, 3, 0))
    make_worker(settings=quiet_settings).run_once()
    assert sent_sms() == []


def test_texts_due_at_night_go_when_the_window_ends_never_before(
    appeal, make_worker, quiet_settings, sent_sms, session
):
    worker = make_worker(settings=quiet_settings)
    for instant in (beijing(2025, 9, 24, 21, 0), beijing(2025, 9, 24, 23, 59),
                    beijing(2025, 9, 25, 7, 59)):  # fmt: skip
        at(instant)
        worker.run_once()
        assert sent_sms() == [], instant
    at(beijing(2025, 9, 25, 8, 0))  # more than the whole window late: sent now, not at night
    worker.run_once()
    assert [m["kind"] for m in sent_sms()] == ["invitation"] * 5
    assert all(m["sent_at"] == beijing(2025, 9, 25, 8, 0).isoformat() for m in sent_sms())


def test_withdrawal_notices_wait_for_the_morning_too(
    appeal, make_worker, quiet_settings, sent_sms, session, now
):
    worker = make_worker(settings=quiet_settings)
    worker.run_once()  # 10:00: the invitations go
    at(beijing(2025, 9, 24, 22, 0))
    withdraw_appeal(session=session, appeal=appeal, reason="部门已与市民协商解决",
                    actor="staff:test", now=timeutil.now())  # fmt: skip
    session.commit()
    worker.run_once()
    assert [m["kind"] for m in sent_sms()].count("withdrawn_notice") == 0
    at(beijing(2025, 9, 25, 8, 0))
    worker.run_once()
    assert [m["kind"] for m in sent_sms()].count("withdrawn_notice") == 5


def test_readyz_does_not_count_texts_the_night_holds(app, client, session, appeal):
    app.config["PANEL_CONFIG"].SMS_QUIET_HOURS = "21:00-08:00"
    app.config["PANEL_READY_MAX_OUTBOX_BACKLOG"] = 2
    for row in session.exec(select(OutboxMessage)).all():  # due since 10:00 the day before
        row.next_attempt_at = beijing(2025, 9, 24, 10, 0)
    session.commit()
    at(beijing(2025, 9, 25, 3, 0))
    night = client.get("/readyz").get_json()
    assert night["checks"]["outbox"]["overdue"] == 0 and night["status"] == "ready"
    at(beijing(2025, 9, 25, 8, 5))  # the worker has had 5 minutes since the window ended
    assert client.get("/readyz").get_json()["checks"]["outbox"]["overdue"] == 0
    at(beijing(2025, 9, 25, 8, 11))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["outbox"]["overdue"] == 5
