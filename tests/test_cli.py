"""The operator's commands: clear output, non-zero exit with one line on a mistake."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import func, select

from panel_service.models import Appeal, AuditEvent, Department, Panelist


def run(runner, *args):
    return runner.invoke(args=["panel", *args])


def test_init_db_is_idempotent(runner):
    result = run(runner, "init-db")
    assert result.exit_code == 0, result.output
    assert "database at migration" in result.output


def test_seed_demo_creates_the_demo_panel_once(runner, session):
    first = run(runner, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "35 panelists added" in first.output and "2 appeals added" in first.output
    second = run(runner, "seed-demo")
    assert "0 panelists added" in second.output and "0 appeals added" in second.output
    assert session.exec(select(func.count()).select_from(Panelist)).one() == 35
    assert session.exec(select(func.count()).select_from(Department)).one() == 10
    assert session.exec(select(func.count()).select_from(Appeal)).one() == 2


def test_audit_verify_and_replay_report_success(runner, session):
    run(runner, "seed-demo")
    verify = run(runner, "audit", "verify")
    assert verify.exit_code == 0 and "intact" in verify.output
    reference = session.exec(select(Appeal.reference)).first()
    session.rollback()  # SQLite: end our read so the command's transaction may begin
    replay = run(runner, "audit", "replay", reference)
    assert replay.exit_code == 0 and "matches" in replay.output


def test_audit_verify_names_the_broken_event(runner, session):
    run(runner, "seed-demo")
    target = session.exec(select(AuditEvent.id).order_by(AuditEvent.id).offset(3)).first()
    session.execute(sa.update(AuditEvent).where(AuditEvent.id == target).values(actor="mallory"))
    session.commit()
    result = run(runner, "audit", "verify")
    assert result.exit_code != 0
    assert f"broken at event {target}" in result.output
    assert "Traceback" not in result.output


def test_audit_verify_names_a_table_that_disagrees_with_the_events(runner, session):
    from panel_service.models import Assignment

    run(runner, "seed-demo")
    seat = session.exec(select(Assignment).order_by(Assignment.id.desc())).first()
    sitting = select(Assignment.panelist_id).where(Assignment.appeal_id == seat.appeal_id)
    stranger = session.exec(select(Panelist.id).where(Panelist.id.not_in(sitting))).first()
    session.execute(sa.update(Assignment).where(Assignment.id == seat.id)
                    .values(panelist_id=stranger))  # fmt: skip
    session.commit()
    result = run(runner, "audit", "verify")
    assert result.exit_code == 1
    assert "audit trail intact" in result.output  # the chains hold; a table does not
    assert f"seat {seat.id} was seated by no event" in result.output


def test_replay_of_an_unknown_reference_is_one_line(runner):
    result = run(runner, "audit", "replay", "AP-1999-000001")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no appeal with reference AP-1999-000001"


def test_import_reports_bad_lines_and_imports_nothing(runner, session, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "name,mobile,category,affiliation,pledge_signed_on,term_start,term_end\n"
        "王建国,13907151234,cppcc,,2025-05-29,2025-06-01,2028-05-31\n"
        "李四,not-a-number,cppcc,,2025-05-29,2025-06-01,2028-05-31\n",
        encoding="gbk",
    )
    result = run(runner, "panelists", "import", str(path))
    assert result.exit_code == 1
    assert "line 3: mobile: Not a valid phone number" in result.output
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    assert session.exec(select(func.count()).select_from(Panelist)).one() == 0


def test_import_of_a_good_file(runner, session, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "name,mobile,category,term_start,term_end\n王建国,13907151234,media,2025-06-01,2028-05-31\n"
    )
    result = run(runner, "panelists", "import", str(path))
    assert result.exit_code == 0 and "1 panelists imported" in result.output


def test_import_of_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = run(runner, "panelists", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_calendar_set_unset_and_check(runner, session):
    from datetime import date

    from panel_service.models import CalendarOverride

    result = run(runner, "calendar", "set", "2027-01-08", "holiday", "--note", "通知")
    assert result.exit_code == 0 and "2027-01-08 is now a holiday" in result.output
    assert session.get(CalendarOverride, date(2027, 1, 8)).workday is False
    session.rollback()  # end this read before the commands write
    listed = run(runner, "calendar", "list")
    assert "2027-01-08 holiday 通知 (cli)" in listed.output
    assert run(runner, "calendar", "unset", "2027-01-08").exit_code == 0
    again = run(runner, "calendar", "unset", "2027-01-08")
    assert again.exit_code != 0 and "no override" in again.output
    assert run(runner, "calendar", "set", "2027-13-01", "holiday").exit_code != 0
    session.rollback()
    kinds = [e.kind for e in session.exec(select(AuditEvent)).all() if e.kind.startswith("cal")]
    assert kinds == ["calendar.override_set", "calendar.override_removed"]


def test_calendar_check_fails_for_an_uncovered_year(runner):
    from datetime import UTC, datetime

    from panel_service import timeutil

    timeutil.set_clock(lambda: datetime(2025, 6, 1, 4, 0, tzinfo=UTC))
    try:
        covered = run(runner, "calendar", "check", "--days", "2")
        assert covered.exit_code == 0 and "2025-06-01 Sun day off (official)" in covered.output
        timeutil.set_clock(lambda: datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
        uncovered = run(runner, "calendar", "check", "--days", "1")
        assert uncovered.exit_code == 1 and "NOT COVERED: 2027" in uncovered.output
    finally:
        timeutil.set_clock(None)


def test_sms_templates_print_the_text_to_register(runner):
    result = run(runner, "sms", "templates")
    assert result.exit_code == 0
    assert "您已被抽选评议申诉${ref},请于${deadline}前投票:https://panel.example.cn/v/${token}" in (
        result.output
    )
    assert "PANEL_ALIYUN_TEMPLATE_WITHDRAWN_NOTICE=(not set)" in result.output
    assert "= 2 segment(s)" in result.output and "= 1 segment(s)" in result.output


def test_appeals_duplicates_lists_work_orders_with_several_live_appeals(
    runner, session, appeal
):
    assert run(runner, "appeals", "duplicates").exit_code == 0
    # A twin filed before revision 0010, in a full-width lower-case spelling.
    twin = Appeal(**{
        **appeal.model_dump(exclude={"id", "reference", "work_order_no"}),
        "reference": "AP-2025-999999",
        "work_order_no": appeal.work_order_no.lower().translate(
            {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
        ),
    })  # fmt: skip
    session.add(twin)
    session.commit()
    result = run(runner, "appeals", "duplicates")
    assert result.exit_code == 1
    assert f"work order {appeal.work_order_no}: 2 live appeals" in result.output
    assert appeal.reference in result.output and "AP-2025-999999" in result.output


def test_replay_of_a_period_re_runs_every_draw_and_names_a_bad_one(runner, session):
    from panel_service import timeutil

    run(runner, "seed-demo")
    today = timeutil.local_today()
    days = ["--start", str(today - timedelta(days=1)), "--end", str(today)]
    result = run(runner, "audit", "replay", *days)
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("all 2 draws from ")
    appeal = session.exec(select(Appeal).order_by(Appeal.id)).first()
    appeal.draw_seed = "0" * 64
    session.add(appeal)
    session.commit()
    failed = run(runner, "audit", "replay", *days)
    assert failed.exit_code == 1
    assert f"{appeal.reference}: the appeal's stored seed differs" in failed.output
    assert "1 of 2 draws do NOT match the replay" in failed.output


def test_replay_takes_a_reference_or_a_period(runner):
    assert run(runner, "audit", "replay").exit_code == 2
    assert run(runner, "audit", "replay", "AP-1", "--start", "2025-01-01").exit_code == 2
    assert run(runner, "audit", "replay", "--start", "2025-13-01", "--end", "x").exit_code == 2
