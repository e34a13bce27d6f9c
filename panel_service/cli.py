"""`flask --app wsgi panel ...`: the operator's commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session, select

from . import migrate, timeutil
from .audit import verify_chain
from .models import Appeal
from .replay import replay_draw
from .roster import RosterInvalid, import_roster
from .rules import PanelRules
from .seed import seed_demo

panel = AppGroup("panel", help="Run the evaluation panel.")
panelists = AppGroup("panelists", help="Manage panel membership.")
audit_group = AppGroup("audit", help="Check the audit trail.")
panel.add_command(panelists)
panel.add_command(audit_group)


def _session() -> Session:
    return Session(current_app.extensions["panel_engine"], expire_on_commit=False)


def _rules() -> PanelRules:
    return PanelRules.from_config(current_app.config["PANEL_CONFIG"])


@panel.command("init-db")
def init_db() -> None:
    """Apply every database migration (safe to repeat)."""
    migrate.upgrade(current_app.config["PANEL_DATABASE_URL"])
    click.echo(f"database at migration {migrate.head_revision()}")


@panel.command("seed-demo")
def seed_demo_command() -> None:
    """Add the demo departments, 35 panelists and two appeals, once."""
    with _session() as session:
        created = seed_demo(session=session, rules=_rules(), now=timeutil.now())
        session.commit()
    click.echo(", ".join(f"{n} {what} added" for what, n in created.items()))


@panelists.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import panelists from a CSV file (UTF-8 or GBK): all rows or none."""
    with _session() as session:
        try:
            result = import_roster(
                session=session, raw=file.read_bytes(), actor="cli", now=timeutil.now()
            )
        except RosterInvalid as exc:
            session.rollback()
            for line, errors in sorted(exc.rows.items()):
                detail = "; ".join(f"{field}: {msg}" for field, msg in errors.items())
                click.echo(f"line {line}: {detail}", err=True)
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"{len(result.added)} panelists imported")


@audit_group.command("verify")
def verify_command() -> None:
    """Check the audit trail's hash chain and name the first broken event."""
    with _session() as session:
        report = verify_chain(session=session)
    if not report.ok:
        raise click.ClickException(
            f"audit chain broken at event {report.first_broken_id}: {report.problem} "
            f"({report.checked} events before it are intact)"
        )
    click.echo(f"audit chain intact: {report.checked} events")


@audit_group.command("replay")
@click.argument("reference")
def replay_command(reference: str) -> None:
    """Re-run an appeal's draw and replacements from the audit trail."""
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


def init_app(app) -> None:
    app.cli.add_command(panel)
