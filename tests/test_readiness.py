"""/healthz and /readyz."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from panel_service.enums import MessageKind, OutboxStatus
from panel_service.models import OutboxMessage


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ready"
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["head"]


def test_readyz_reports_a_backed_up_outbox(app, client, session, now):
    app.config["PANEL_READY_MAX_OUTBOX_BACKLOG"] = 2
    stale = now - timedelta(hours=1)
    for _ in range(3):
        session.add(
            OutboxMessage(
                kind=MessageKind.WEBHOOK,
                status=OutboxStatus.PENDING,
                next_attempt_at=stale,
                created_at=stale,
                updated_at=stale,
            )
        )
    session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["outbox"] == {"ok": False, "overdue": 3, "max": 2}


def test_readyz_reports_a_schema_behind_head(client, engine):
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["migrations"]["ok"] is False
    finally:
        from panel_service import migrate

        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE alembic_version SET version_num = :v"),
                {"v": migrate.head_revision()},
            )
