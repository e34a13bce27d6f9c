"""Issue 15, written before the fix: deadlines in working days, texts not at night."""

from __future__ import annotations

from datetime import UTC, datetime

from panel_service.appeals.submission import create_appeal
from panel_service.config import Config
from panel_service.messaging.outbox import SmsSettings
from panel_service.rules import PanelRules

from .. import factories

BEIJING_OFFSET = 8


def test_an_appeal_drawn_before_national_day_is_due_after_the_holiday(session, pool, department):
    # Tuesday 30 September 2025, 12:00 Beijing: the 1st-8th October are the holiday, Saturday
    # 11 October is an adjusted working day. The third working day after is 11 October.
    now = datetime(2025, 9, 30, 4, 0, tzinfo=UTC)
    appeal = create_appeal(
        session=session, data=factories.appeal_input(department=department.code),
        submitted_by="staff:test", rules=PanelRules.from_config(Config.from_env(environ={})),
        now=now,
    )
    assert appeal.deadline == datetime(2025, 10, 11, 10, 0, tzinfo=UTC)  # 18:00 Beijing


def test_no_text_leaves_at_three_in_the_morning(session, appeal, make_worker, sent_sms):
    from panel_service import timeutil

    night = datetime(2025, 9, 24, 19, 0, tzinfo=UTC)  # 03:00 Beijing
    timeutil.set_clock(lambda: night)
    settings = SmsSettings.from_config(
        Config.from_env(environ={}, PUBLIC_BASE_URL="https://panel.example.cn")
    )
    make_worker(settings=settings).run_once()
    assert sent_sms() == []


def test_a_backend_gets_the_kind_and_parameters_not_a_finished_body(appeal, make_worker):
    got = []

    class Recording:
        name = "recording"

        def send(self, message):
            got.append(message)
            return f"R{message.message_id}"

    make_worker(backend=Recording()).run_once()
    assert len(got) == 5
    assert {m.params["ref"] for m in got} == {appeal.reference}
    assert all(len(m.params["token"]) >= 36 for m in got)
