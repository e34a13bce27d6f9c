"""``panel appeals duplicates``: work orders with more than one live appeal, or department."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from .appeals import duplicates

appeals_group = AppGroup("appeals", help="Appeals.")


@appeals_group.command("duplicates")
def duplicates_command() -> None:
    """Print each work order with several live appeals or departments; exit 1 if any."""
    with Session(current_app.extensions["panel_engine"]) as session:
        found = duplicates.report(duplicates.filed(session=session))
    for line in duplicates.lines(found):
        click.echo(line)
    if found.clean:
        click.echo("no work order has more than one live appeal or department")
    else:
        raise SystemExit(1)
