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


def _appeals_before_0010(url) -> None:
    """A database at 0009 where one work order got four live appeals in four spellings."""
    from datetime import datetime

    migrate.upgrade(url, "0009")
    engine = sa.create_engine(url)
    at = datetime(2026, 12, 1, 2, 0)
    filed = [
        # reference, work order as typed, department, status, submitted by
        ("AP-2026-000001", "XN20261201000777", 1, "open", "api:hotline-platform"),
        ("AP-2026-000002", "ｘｎ２０２６１２０１０００７７７", 1, "open", "department:zhang"),
        ("AP-2026-000003", "XN2026\u200b1201000777", 2, "decided", "department:li"),
        ("AP-2026-000004", "\u0425N20261201000777", 2, "open", "department:li"),
        ("AP-2026-000005", "xn-20250101-000001", 1, "withdrawn", "staff:wang"),
        ("AP-2026-000006", "xn20250101000002", 1, "open", "department:zhang"),
        ("AP-2026-000007", "\ufeffXN20250101000002", 1, "withdrawn", "department:zhang"),
    ]
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO department (id, code, name) VALUES"
                    " (1, 'HOUSING', '住建局'), (2, 'EDU', '教育局')")
        )  # fmt: skip
        for reference, number, department, status, by in filed:
            conn.execute(
                sa.text(
                    "INSERT INTO appeal (reference, work_order_no, department_id,"
                    " citizen_request, department_reply, appeal_reason, policy_basis,"
                    " repeat_calls, submitted_by, submitted_at, deadline, status, draw_position)"
                    " VALUES (:r, :n, :d, '诉求', '答复', '理由', '依据', 3, :by, :at, :at, :s, 0)"
                ),
                {"r": reference, "n": number, "d": department, "s": status, "by": by, "at": at},
            )
    engine.dispose()


def test_0010_reports_duplicate_work_orders_and_deletes_nothing(scratch_database_url, caplog):
    url = scratch_database_url
    _appeals_before_0010(url)
    with caplog.at_level("WARNING", logger="panel_service.migrations.0010"):
        migrate.upgrade(url, "0010")
    report = caplog.text
    assert "work order XN20261201000777: 4 live appeals" in report
    for reference in ("AP-2026-000001", "AP-2026-000002", "AP-2026-000003", "AP-2026-000004"):
        assert reference in report
    assert "work order XN20261201000777: appealed by EDU, HOUSING" in report
    assert "AP-2026-000004: '\\u0425N20261201000777' is not a work order number" in report
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT reference, work_order_no FROM appeal")).all())
        statuses = conn.execute(sa.text("SELECT status FROM appeal ORDER BY id")).scalars().all()
        owners = dict(conn.execute(sa.text(
            "SELECT w.number, d.code || ':' || w.source FROM work_order w"
            " JOIN department d ON d.id = w.department_id"
        )).all())  # fmt: skip
    engine.dispose()
    assert len(rows) == 7  # nothing deleted, no status changed
    assert statuses == ["open", "open", "decided", "open", "withdrawn", "open", "withdrawn"]
    # The duplicates keep their spellings; what could safely be respelled was.
    assert rows["AP-2026-000001"] == "XN20261201000777"
    assert rows["AP-2026-000002"] == "ｘｎ２０２６１２０１０００７７７"
    assert rows["AP-2026-000003"] == "XN2026\u200b1201000777"
    assert rows["AP-2026-000005"] == "XN20250101000001"
    assert rows["AP-2026-000006"] == rows["AP-2026-000007"] == "XN20250101000002"
    # A work order appealed by two departments waits for the hotline to say whose it is.
    assert owners == {"XN20250101000001": "HOUSING:hotline",
                      "XN20250101000002": "HOUSING:department"}  # fmt: skip


def test_after_0010_a_new_spelling_meets_the_oldest_live_appeal(scratch_database_url):
    from sqlmodel import Session

    from panel_service.appeals.submission import live_appeal_for
    from panel_service.db import make_engine

    url = scratch_database_url
    _appeals_before_0010(url)
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        found = live_appeal_for(session=session, work_order_no="XN20250101000002")
        assert found.reference == "AP-2026-000006"
    engine.dispose()


def test_0014_summarizes_the_draws_recorded_before_it(scratch_database_url, rules, now):
    """The backfill writes, from the events, the rows the draws themselves write."""
    from datetime import timedelta

    from sqlmodel import Session

    from panel_service.db import make_engine
    from panel_service.record import epochs

    from . import factories
    from .record.test_draw_summary import draw_history, summary_rows

    url = scratch_database_url
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        days = [now.date() + timedelta(days=n) for n in range(-1, 25)]
        epochs.commit(session=session, days=days, actor="system", now=now - timedelta(days=2))
        factories.bind(session)
        factories.DepartmentFactory(code="HOUSING")
        other = factories.DepartmentFactory()
        factories.PanelistFactory.create_batch(16)
        factories.PanelistFactory.create_batch(4, category="government", affiliation_id=other.id)
        session.commit()
        draw_history(session, rules, now)
        written = summary_rows(session)
        factories.bind(None)
    engine.dispose()
    assert len(written[1]) == 64
    command.downgrade(migrate.alembic_config(url), "0013")
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        assert summary_rows(session) == written
    engine.dispose()
