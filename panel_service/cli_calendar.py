"""``panel calendar``: the working-day calendar's coverage and the days set by hand."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from . import timeutil
from .panel import workdays

calendar_group = AppGroup("calendar", help="Working days: coverage and overrides.")


def _session() -> Session:
    return Session(current_app.extensions["panel_engine"], expire_on_commit=False)


def _day(text: str):
    try:
        return timeutil.parse_date(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@calendar_group.command("check")
@click.option("--days", type=int, default=14, help="How many days ahead to list.")
def check_command(days: int) -> None:
    """Say which years the official calendar covers and list the coming days."""
    with _session() as session:
        coverage = workdays.coverage(session=session, now=timeutil.now())
        calendar = workdays.load(session=session)
    years = workdays.OFFICIAL_YEARS
    click.echo(f"official calendar (chinese-calendar): {years.start}-{years.stop - 1}")
    if coverage.uncovered:
        click.echo(
            f"NOT COVERED: {', '.join(map(str, coverage.uncovered))}: counted Monday to Friday "
            f"plus {coverage.overrides} override(s); update chinese-calendar or set the days"
        )
    today = timeutil.local_today()
    for n in range(days):
        day = today + timedelta(days=n)
        kind = "working day" if calendar.is_workday(day) else "day off"
        click.echo(f"{day.isoformat()} {day:%a} {kind} ({calendar.source(day)})")
    if coverage.uncovered:
        raise SystemExit(1)


@calendar_group.command("list")
def list_command() -> None:
    """List the days set by hand."""
    with _session() as session:
        for row in workdays.overrides(session=session):
            kind = "workday" if row.workday else "holiday"
            click.echo(f"{row.day.isoformat()} {kind} {row.note} ({row.created_by})")


@calendar_group.command("set")
@click.argument("day")
@click.argument("kind", type=click.Choice(["holiday", "workday"]))
@click.option("--note", default="", help="Why, e.g. the State Council notice.")
def set_command(day: str, kind: str, note: str) -> None:
    """Make DAY (YYYY-MM-DD) a holiday or a working day; audited."""
    parsed = _day(day)
    with _session() as session:
        workdays.set_override(
            session=session, day=parsed, workday=kind == "workday", note=note, actor="cli",
            now=timeutil.now(),
        )  # fmt: skip
        session.commit()
    click.echo(f"{parsed.isoformat()} is now a {kind}")


@calendar_group.command("unset")
@click.argument("day")
def unset_command(day: str) -> None:
    """Drop the override of DAY; the official calendar rules it again. Audited."""
    parsed = _day(day)
    with _session() as session:
        if not workdays.remove_override(session=session, day=parsed, actor="cli",
                                        now=timeutil.now()):  # fmt: skip
            raise click.ClickException(f"no override on {parsed.isoformat()}")
        session.commit()
    click.echo(f"{parsed.isoformat()}: override removed")
