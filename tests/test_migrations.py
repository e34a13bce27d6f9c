"""The schema comes from Alembic, and the models agree with it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from panel_service import migrate


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_database_is_at_head(engine):
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_every_migration_downgrades_and_upgrades_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    migrate.upgrade(url)
    command.downgrade(migrate.alembic_config(url), "base")
    engine = sa.create_engine(url)
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(url)
    assert {"appeal", "assignment", "audit_event"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def _legacy_hash(prev, at, kind, appeal_id, actor, data):
    """The chain's formula before revision 0006, written out as it was published."""
    import hashlib
    import json

    content = json.dumps(
        {"prev": prev, "at": at.isoformat(timespec="microseconds"), "kind": kind,
         "appeal": appeal_id, "actor": actor, "data": data},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _trail_before_0006(url, n=5):
    """A database at 0005 holding ``n`` events chained the old way; returns their hashes."""
    from datetime import UTC, datetime, timedelta

    migrate.upgrade(url, "0005")
    engine = sa.create_engine(url)
    prev, hashes = "0" * 64, []
    with engine.begin() as conn:
        for i in range(n):
            at = datetime(2025, 9, 24, 2, 0, tzinfo=UTC) + timedelta(minutes=i)
            data = f'{{"n":{i}}}'
            digest = _legacy_hash(prev, at, "panelist.added", None, "seed", data)
            conn.execute(
                sa.text(
                    "INSERT INTO audit_event (at, kind, appeal_id, actor, data, prev_hash, hash)"
                    " VALUES (:at, 'panelist.added', NULL, 'seed', :data, :prev, :hash)"
                ),
                {"at": at.replace(tzinfo=None), "data": data, "prev": prev, "hash": digest},
            )
            prev = digest
            hashes.append(digest)
    engine.dispose()
    return hashes


def test_a_trail_recorded_before_0006_still_verifies_untouched(tmp_path):
    from sqlmodel import Session

    from panel_service.db import make_engine
    from panel_service.record import audit

    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    hashes = _trail_before_0006(url)
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        stored = session.execute(
            sa.text("SELECT hash, chain, seq FROM audit_event ORDER BY id")
        ).all()
        assert [row.hash for row in stored] == hashes  # nothing re-hashed
        assert [(row.chain, row.seq) for row in stored] == [("legacy", i) for i in range(1, 6)]
        report = audit.verify_chain(session=session)
        assert report.ok and report.checked == 5
        # New events join their own chains; the old one stays closed and still checks.
        audit.record(session=session, kind="panelist.added", actor="admin", data={"n": 5})
        session.commit()
        assert audit.verify_chain(session=session).ok
        # Its recorded head notices a deleted tail.
        session.execute(sa.text("DELETE FROM audit_event WHERE chain = 'legacy' AND seq = 5"))
        session.commit()
        report = audit.verify_chain(session=session)
        assert (report.ok, report.chain) == (False, "legacy")
    engine.dispose()


def test_0011_gives_every_kept_attachment_a_random_public_id(tmp_path):
    from datetime import datetime

    url = f"sqlite:///{tmp_path / 'attachments.db'}"
    migrate.upgrade(url, "0009")
    engine = sa.create_engine(url)
    at = datetime(2025, 9, 24, 2, 0)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO department (id, code, name) VALUES (1, 'HA', '住建局')"))
        conn.execute(
            sa.text(
                "INSERT INTO appeal (id, reference, work_order_no, department_id, citizen_request,"
                " department_reply, appeal_reason, policy_basis, repeat_calls, submitted_by,"
                " submitted_at, deadline, status, draw_position) VALUES (1, 'A-1', 'WO-1', 1,"
                " '诉求', '答复', '理由', '依据', 0, 'staff:test', :at, :at, 'open', 0)"
            ),
            {"at": at},
        )
        for n in range(3):
            conn.execute(
                sa.text(
                    "INSERT INTO attachment (appeal_id, filename, content_type, size, sha256,"
                    " storage_name, uploaded_by, created_at) VALUES (1, :name, 'image/png', 1,"
                    " :sha, :storage, 'staff:test', :at)"
                ),
                {"name": f"{n}.png", "sha": "0" * 64, "storage": f"{n}.png",
                 "at": at},
            )  # fmt: skip
    migrate.upgrade(url)
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT public_id FROM attachment")).scalars().all()
    engine.dispose()
    assert len(ids) == 3 and len(set(ids)) == 3 and all(len(i) >= 22 for i in ids)
