"""panel-service: the 12345 hotline's third-party evaluation panel."""

from __future__ import annotations

from flask import Flask

from .config import PROJECT_ROOT, Config


def create_app(config: Config | None = None) -> Flask:
    """Build the app from ``config`` (default: the environment)."""
    config = config or Config.from_env()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_mapping(config.flask_mapping())

    from .rules import PanelRules

    app.extensions["panel_rules"] = PanelRules.from_config(config)

    from . import cli, db, extensions, logging_setup, timeutil, views
    from .views import errors, security

    # Calendar dates (terms, pledges, references, report periods) are days in this zone.
    timeutil.configure(timezone=config.TIMEZONE)
    logging_setup.init_app(app)
    db.init_app(app)
    extensions.init_app(app)
    views.register(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    return app
