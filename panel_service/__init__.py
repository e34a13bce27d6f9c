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

    from . import cli, db
    from .views import main

    db.init_app(app)
    app.register_blueprint(main.bp)
    cli.init_app(app)
    return app
