"""`flask --app wsgi panel ...`: the operator's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlmodel import Session

from . import migrate, timeutil
from .enums import Actor
from .membership.roster import RosterInvalid, import_roster
from .record import epochs
from .rules import PanelRules
from .seed import seed_demo
from .views.wording import say

panel = AppGroup("panel", help="Run the evaluation panel.")
panelists = AppGroup("panelists", help="Manage panel membership.")
panel.add_command(panelists)


def _session() -> Session:
    return Session(current_app.extensions["panel_engine"], expire_on_commit=False)


def _rules() -> PanelRules:
    return PanelRules.from_config(current_app.config["PANEL_CONFIG"])


@panel.command("init-db")
def init_db() -> None:
    """Apply every database migration and commit the coming days' draw seeds (safe to repeat)."""
    migrate.upgrade(current_app.config["PANEL_DATABASE_URL"])
    click.echo(f"database at migration {migrate.head_revision()}")
    with _session() as session:
        committed = epochs.commit_ahead(
            session=session,
            now=timeutil.now(),
            days=current_app.config["PANEL_CONFIG"].EPOCH_DAYS_AHEAD,
        )
        session.commit()
    if committed:
        click.echo(f"draw seeds committed for {len(committed)} days")


@panel.command("seed-demo")
def seed_demo_command() -> None:
    """Add the demo departments, 35 panelists, two appeals and three users, once."""
    if current_app.config["PANEL_CONFIG"].is_production:
        # The demo users' passwords are in the README.
        raise click.ClickException("seed-demo is for development only, not production")
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
                session=session,
                raw=file.read_bytes(),
                actor=Actor.CLI,
                now=timeutil.now(),
                max_rows=current_app.config["PANEL_CONFIG"].ROSTER_MAX_ROWS,
            )
        except RosterInvalid as exc:
            session.rollback()
            with force_locale("en"):  # operators read English
                for line, errors in sorted(exc.rows.items()):
                    detail = "; ".join(f"{f}: {say(code, f)}" for f, code in errors.items())
                    click.echo(f"line {line}: {detail}", err=True)
                params = {k: ", ".join(v) if isinstance(v, list) else v
                          for k, v in exc.params.items()}  # fmt: skip
                raise click.ClickException(say(exc.code, **params)) from None
        session.commit()
    click.echo(f"{len(result.added)} panelists imported")


def init_app(app) -> None:
    from .cli_appeals import appeals_group
    from .cli_audit import audit_group
    from .cli_calendar import calendar_group
    from .cli_sms import sms_group

    panel.add_command(appeals_group)
    panel.add_command(audit_group)
    panel.add_command(calendar_group)
    panel.add_command(sms_group)
    app.cli.add_command(panel)


@panel.command("worker")
@click.option("--once", is_flag=True, help="Send what is due, then exit (for cron).")
@click.option("--interval", type=float, default=None, help="Seconds between passes.")
def worker_command(once: bool, interval: float | None) -> None:
    """Send due SMS and sweep deadlines, in a loop or once."""
    import signal
    import threading

    from .messaging.worker import build_worker

    config = current_app.config["PANEL_CONFIG"]
    worker = build_worker(config, engine=current_app.extensions["panel_engine"])
    if once:
        click.echo(f"worker: {worker.run_once()}")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    names = ", ".join(worker.backends)
    click.echo(f"worker: sending through {names} (in this order); Ctrl-C stops")
    try:
        worker.run_forever(interval=interval or config.WORKER_INTERVAL, stop=stop)
    except KeyboardInterrupt:
        pass


users_group = AppGroup("user", help="Manage the people who sign in.")
api_key_group = AppGroup("api-key", help="Manage the hotline platform's API keys.")
panel.add_command(users_group)
panel.add_command(api_key_group)


@users_group.command("create")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["admin", "staff", "department"]), required=True, help="Role."
)
@click.option("--department", default=None, help="Department code (department users only).")
@click.option("--name", "display_name", default=None, help="Display name (default: username).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(
    username: str,
    role: str,
    department: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Create a user; the password is prompted for, or read from stdin."""
    from .access.accounts import UserInput, UserInvalid, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = UserInput(
        username=username,
        display_name=display_name or username,
        role=role,
        department=department,
        password=password,
    )
    with _session() as session:
        try:
            user = create_user(session=session, data=data, now=timeutil.now())
        except UserInvalid as exc:
            session.rollback()
            with force_locale("en"):
                problems = "; ".join(f"{f}: {say(code, f)}" for f, code in exc.errors.items())
            raise click.ClickException(problems) from None
        session.commit()
    click.echo(f"user {user.username} created ({user.role})")


@api_key_group.command("create")
@click.argument("name")
def api_key_create(name: str) -> None:
    """Create an API key; the key is printed once, alone on the last line."""
    from .access.api_keys import ApiKeyError, create_api_key

    with _session() as session:
        try:
            _key, raw = create_api_key(session=session, name=name, now=timeutil.now())
        except ApiKeyError as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"API key {name} created; it is shown only now:", err=True)
    click.echo(raw)


@api_key_group.command("revoke")
@click.argument("name_or_id")
def api_key_revoke(name_or_id: str) -> None:
    """Revoke an API key by name (or id); requests with it get 401 from now on."""
    from .access.api_keys import ApiKeyError, revoke_api_key

    with _session() as session:
        try:
            key = revoke_api_key(session=session, name_or_id=name_or_id, now=timeutil.now())
        except ApiKeyError as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"API key {key.name} revoked")
