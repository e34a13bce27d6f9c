"""``panel audit ...``: check the whole record, re-run draws, make the checkpoints' key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import select

from . import timeutil
from .cli import _session
from .db import begin_snapshot
from .models import Appeal
from .panel.replay import replay_draw, replay_period

audit_group = AppGroup("audit", help="Check the audit trail.")


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "mirrored",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint a mirror kept (JSON with its chains): today's record must extend it.",
)
def verify_command(mirrored: tuple[Path, ...]) -> None:
    """Check every audit chain, the signed checkpoints and the tables against the events."""
    import json

    from .record import checkpoints, verify

    config = current_app.config["PANEL_CONFIG"]
    public_raw = (
        checkpoints.Signer.from_file(config.AUDIT_SIGNING_KEY_FILE).public_raw
        if config.AUDIT_SIGNING_KEY_FILE
        else None
    )
    old = [json.loads(p.read_text(encoding="utf-8")) for p in mirrored]
    with _session() as session:
        begin_snapshot(session)
        report, record, problems = verify.check_all(
            session=session, public_raw=public_raw, mirrored=old
        )
    if not report.ok:
        from flask_babel import force_locale

        from .views.wording import chain_problem

        where = f"event {report.first_broken_id}" if report.first_broken_id else "its end"
        with force_locale("en"):
            problem = chain_problem(report.problem)
        raise click.ClickException(
            f"audit chain {report.chain} broken at {where}: {problem} "
            f"({report.checked} events before it are intact)"
        )
    click.echo(f"audit trail intact: {report.checked} events in {report.chains} chains")
    signed = "signatures checked" if record.signatures_checked else "signatures NOT checked"
    click.echo(f"{record.checkpoints} checkpoints ({signed}), {len(old)} mirrored")
    if problems:
        for line in problems:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(problems)} problems in the record")
    click.echo("the tables agree with the events")


@audit_group.command("keygen")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(path: Path) -> None:
    """Write a new Ed25519 key for signing checkpoints; print its public key."""
    from .record import checkpoints

    try:
        signer = checkpoints.keygen(path)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; a key is never overwritten") from None
    click.echo(f"signing key written to {path} (keep it outside the database and backups)")
    click.echo(f"public key {signer.public_raw.hex()} (id {signer.key_id})")


def _day(_ctx, _param, value: str | None) -> date | None:
    try:
        return None if value is None else timeutil.parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@audit_group.command("replay")
@click.argument("reference", required=False)
@click.option("--start", callback=_day, help="With --end: every draw of these days, YYYY-MM-DD.")
@click.option("--end", callback=_day, help="The last day (inclusive), YYYY-MM-DD.")
def replay_command(reference: str | None, start: date | None, end: date | None) -> None:
    """Re-run an appeal's draw and replacements from the audit trail, or every draw of a
    period (the draws the fairness report counts)."""
    days = (start, end)
    if days.count(None) == 1 or (reference is None) == (days == (None, None)):
        raise click.UsageError("give an appeal's reference, or --start and --end")
    if reference is None:
        _replay_days(start, end)
        return
    with _session() as session:
        appeal = session.exec(select(Appeal).where(Appeal.reference == reference)).first()
        if appeal is None:
            raise click.ClickException(f"no appeal with reference {reference}")
        report = replay_draw(session=session, appeal=appeal)
    for line in report.steps:
        click.echo(line)
    if not report.ok:
        for line in report.problems:
            click.echo(line, err=True)
        raise click.ClickException(f"{reference}: the stored draw does NOT match the replay")
    click.echo(f"{reference}: the stored draw matches the replay")


def _replay_days(first: date, last: date) -> None:
    begin, end = timeutil.day_range(first, last)
    replayed, failed = 0, 0
    with _session() as session:
        begin_snapshot(session)
        for report in replay_period(session=session, start=begin, end=end):
            replayed += 1
            if not report.ok:
                failed += 1
                click.echo(f"{report.reference}: " + "; ".join(report.problems), err=True)
            if replayed % 1000 == 0:
                session.expunge_all()  # years of draws: keep memory flat
    if failed:
        raise click.ClickException(f"{failed} of {replayed} draws do NOT match the replay")
    click.echo(f"all {replayed} draws from {first} to {last} match the replay")
