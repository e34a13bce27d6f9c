"""Entry point for `gunicorn wsgi:app` and `flask --app wsgi`."""

from panel_service import create_app

app = create_app()
