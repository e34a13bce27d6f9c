"""``panel sms templates``: the exact template text to register with a mainland provider."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .enums import MessageKind
from .messaging import messages

sms_group = AppGroup("sms", help="SMS providers.")
KINDS = [k for k in MessageKind if k != MessageKind.WEBHOOK]


@sms_group.command("templates")
def templates_command() -> None:
    """Print each kind's template for PANEL_PUBLIC_BASE_URL, with its setting and length."""
    config = current_app.config["PANEL_CONFIG"]
    for kind in KINDS:
        text = messages.registered_template(kind, config.PUBLIC_BASE_URL)
        setting = f"PANEL_ALIYUN_TEMPLATE_{kind.upper()}"
        code = getattr(config, setting.removeprefix("PANEL_")) or "(not set)"
        names = ", ".join(messages.variables(kind))
        longest = messages.longest_text(
            kind, signature=config.SMS_SIGNATURE, base_url=config.PUBLIC_BASE_URL
        )
        segments = messages.count_segments(longest)
        click.echo(f"{kind}: {setting}={code}")
        click.echo(f"  {text}")
        click.echo(
            f"  {len(text)} characters as written (variables: {names}); the longest text, "
            f"signature included, is {len(longest)} characters = {segments.count} segment(s)"
        )
