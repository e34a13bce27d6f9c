"""Bulk "past" data for the growth measurement: decided appeals, five voted seats each.

One INSERT ... SELECT per table (generate_series on PostgreSQL, a recursive CTE on
SQLite), so 200,000 appeals and 1,000,000 assignments load in well under a minute. The
rows look like history: decided two years ago, every seat voted and sealed
(record/seals.py), the pledge recorded on nobody's past seat (it is recorded once per
panelist, on their first seat, which the benchmark's own set-up already did). Their audit
chains (the draw, five sealed votes, the decision opening them) and the fairness summary
of each draw follow, so that ``panel audit verify`` finds the record whole.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from panel_service.record import seals

TEXT = "小区路灯损坏两个月无人维修,夜间出行不便。"
REPLY = "已于9月20日更换路灯12盏,现场照明恢复正常。"
OPINION = "部门已按时办结,市民不满意的是其他事项。"

# Seat k of past appeal a goes to panelist number (3a + k) mod 35: five different people, and
# every panelist gets an equal share of the history.
_PG = {
    "appeal": """
INSERT INTO appeal (reference, work_order_no, department_id, citizen_request,
    department_reply, appeal_reason, policy_basis, repeat_calls, submitted_by,
    submitted_at, deadline, status, decision, decided_at, draw_position)
SELECT 'AP-2024-' || lpad(n::text, 7, '0'), 'XNPAST' || lpad(n::text, 10, '0'), :department,
    :text, :reply, :reply, :reply, 3, 'api:past',
    timestamp '2024-01-01' + n * interval '2 minutes',
    timestamp '2024-01-04' + n * interval '2 minutes',
    'decided', 'upheld', timestamp '2024-01-02' + n * interval '2 minutes', 5
FROM generate_series(1, :count) AS n""",
    "assignment": """
INSERT INTO assignment (id, appeal_id, panelist_id, draw_round, state, link_nonce, deadline,
    vote, opinion, created_at, first_opened_at, voted_at, seal_salt, seal)
SELECT s.id, s.appeal_id, s.panelist_id, 0, 'voted', md5(s.id::text), s.deadline, 'agree',
    :opinion, s.submitted_at, s.submitted_at, s.decided_at, s.salt,
    encode(sha256(convert_to('panel-seal-v1' || chr(10) || s.reference || chr(10) || s.id
        || chr(10) || 'agree' || chr(10) || :opinion_sha256 || chr(10) || s.salt, 'UTF8')),
        'hex')
FROM (SELECT t.*, lpad(to_hex(t.id), 32, '0') AS salt FROM (
    SELECT :base + row_number() OVER (ORDER BY a.id, k) AS id, a.id AS appeal_id,
        (:panelists)[1 + (a.id * 3 + k) % :size] AS panelist_id, a.reference, a.deadline,
        a.submitted_at, a.decided_at
    FROM appeal a CROSS JOIN generate_series(0, 4) AS k
    WHERE a.submitted_by = 'api:past') t) s""",
}

_SQLITE = {
    "appeal": """
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :count)
INSERT INTO appeal (reference, work_order_no, department_id, citizen_request,
    department_reply, appeal_reason, policy_basis, repeat_calls, submitted_by,
    submitted_at, deadline, status, decision, decided_at, draw_position)
SELECT 'AP-2024-' || printf('%07d', n), 'XNPAST' || printf('%010d', n), :department,
    :text, :reply, :reply, :reply, 3, 'api:past',
    datetime('2024-01-01', '+' || (n * 2) || ' minutes'),
    datetime('2024-01-04', '+' || (n * 2) || ' minutes'),
    'decided', 'upheld', datetime('2024-01-02', '+' || (n * 2) || ' minutes'), 5
FROM s""",
    "assignment": """
WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 4)
INSERT INTO assignment (id, appeal_id, panelist_id, draw_round, state, link_nonce, deadline,
    vote, opinion, created_at, first_opened_at, voted_at, seal_salt, seal)
SELECT s.id, s.appeal_id, s.panelist_id, 0, 'voted', lower(hex(randomblob(8))), s.deadline,
    'agree', :opinion, s.submitted_at, s.submitted_at, s.decided_at, s.salt,
    bench_sha256('panel-seal-v1' || char(10) || s.reference || char(10) || s.id || char(10)
        || 'agree' || char(10) || :opinion_sha256 || char(10) || s.salt)
FROM (SELECT t.*, printf('%032x', t.id) AS salt FROM (
    SELECT :base + row_number() OVER (ORDER BY a.id, k.k) AS id, a.id AS appeal_id,
        p.id AS panelist_id, a.reference, a.deadline, a.submitted_at, a.decided_at
    FROM appeal a CROSS JOIN k
    JOIN bench_panelist p ON p.idx = (a.id * 3 + k.k) % :size
    WHERE a.submitted_by = 'api:past') t) s""",
}


# What else five years leave behind, the same SQL on both databases: each work order's
# owner, each seat's delivered invitation, and an attachment on every tenth appeal (the
# panelist page looks its appeal's attachments up).
_HISTORY = [
    """
INSERT INTO work_order (number, department_id, source, registered_by, registered_at)
SELECT work_order_no, department_id, 'hotline', 'api:past', submitted_at
FROM appeal WHERE submitted_by = 'api:past'""",
    """
INSERT INTO outbox_message (channel, kind, status, appeal_id, assignment_id, attempts,
    next_attempt_at, provider, sent_at, delivered_at, created_at, updated_at)
SELECT 'sms', 'invitation', 'delivered', s.appeal_id, s.id, 1, s.created_at, 'aliyun',
    s.created_at, s.created_at, s.created_at, s.created_at
FROM assignment s JOIN appeal a ON a.id = s.appeal_id WHERE a.submitted_by = 'api:past'""",
    """
INSERT INTO attachment (public_id, appeal_id, filename, content_type, size, sha256,
    storage_name, uploaded_by, created_at)
SELECT 'past' || id, id, '现场照片.jpg', 'image/jpeg', 48213, :sha256, 'past-' || id || '.jpg',
    'api:past', submitted_at
FROM appeal WHERE submitted_by = 'api:past' AND id % 10 = 0""",
]


def load_past(engine: sa.Engine, *, appeals: int) -> int:
    """Insert ``appeals`` decided appeals with five voted seats each; returns seats added."""
    with engine.begin() as conn:
        panelists = [row[0] for row in conn.execute(sa.text("SELECT id FROM panelist ORDER BY id"))]
        department = conn.execute(sa.text("SELECT min(id) FROM department")).scalar_one()
        params = {
            "count": appeals,
            "department": department,
            "text": TEXT,
            "reply": REPLY,
            "opinion": OPINION,
            "opinion_sha256": seals.opinion_digest(OPINION),
            "size": len(panelists),
        }
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(_PG["appeal"]), params)
            params["base"] = _last_seat(conn)
            conn.execute(sa.text(_PG["assignment"]), {**params, "panelists": panelists})
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('assignment', 'id'),"
                " (SELECT max(id) FROM assignment))"
            )
        else:
            conn.exec_driver_sql("CREATE TEMP TABLE bench_panelist (idx INTEGER, id INTEGER)")
            conn.execute(
                sa.text("INSERT INTO bench_panelist VALUES (:idx, :id)"),
                [{"idx": i, "id": pid} for i, pid in enumerate(panelists)],
            )
            conn.connection.dbapi_connection.create_function(
                "bench_sha256", 1, lambda text: hashlib.sha256(text.encode()).hexdigest(),
                deterministic=True,
            )  # fmt: skip
            conn.execute(sa.text(_SQLITE["appeal"]), params)
            params["base"] = _last_seat(conn)
            conn.execute(sa.text(_SQLITE["assignment"]), params)
        for statement in _HISTORY:
            conn.execute(sa.text(statement), {"sha256": "0" * 64})
        seats = conn.execute(sa.text("SELECT count(*) FROM assignment")).scalar_one()
    settle(engine)
    return seats


def _last_seat(conn) -> int:
    return conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM assignment")).scalar_one()


def settle(engine: sa.Engine) -> None:
    """Statistics, visibility map and a checkpoint, as hours of autovacuum would leave them.

    Without this the measurement after the load would also time autovacuum and the
    checkpoint that 1,000,000 fresh rows set off.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
            conn.exec_driver_sql("CHECKPOINT")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        raw = engine.raw_connection()  # autocommit (see db.py): no BEGIN IMMEDIATE around it
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def load_past_audit(engine: sa.Engine, *, batch: int = 5000) -> int:
    """Give every past appeal its audit chain: the draw, five sealed votes and the decision
    opening them, hashes valid; then the fairness summary of the draws, as revision 0014
    writes it. Returns events added.

    Hashing has to follow each chain, so the events are computed here and inserted in
    batches (multi-row INSERTs); the draw event copies the shape of a real one (the pool
    as it is now, the past appeal's five panelists as picked).
    """
    from panel_service.enums import AuditKind
    from panel_service.models import Appeal, Assignment, AuditChain, AuditEvent
    from panel_service.record import draw_summary
    from panel_service.record.audit import GENESIS_HASH, canonical_json, chain_of, event_hash

    with engine.connect() as conn:
        pool = conn.execute(sa.text("SELECT id, category FROM panelist ORDER BY id")).all()
        seats = conn.execute(  # typed columns: the times come back aware, as the app reads them
            sa.select(Assignment.appeal_id, Assignment.id, Assignment.panelist_id,
                      Assignment.seal, Assignment.seal_salt, Appeal.submitted_at,
                      Appeal.decided_at)
            .join(Appeal, Appeal.id == Assignment.appeal_id)
            .where(Appeal.submitted_by == "api:past")
            .order_by(Assignment.appeal_id, Assignment.id)
        ).all()  # fmt: skip
    events, heads, added = [], [], 0
    pool_data = [[pid, str(category)] for pid, category in pool]
    opinion = seals.opinion_digest(OPINION)

    def flush(conn):
        nonlocal events, heads
        if events:
            conn.execute(sa.insert(AuditEvent.__table__), events)
            conn.execute(sa.insert(AuditChain.__table__), heads)
        events, heads = [], []

    with engine.begin() as conn:
        for start in range(0, len(seats), 5):
            group = seats[start : start + 5]
            appeal_id, at, decided_at = group[0].appeal_id, group[0][5], group[0][6]
            chain, prev = chain_of(appeal_id), GENESIS_HASH
            drawn = {
                "panel_size": 5, "majority": 3, "government_quota": 2, "pool": pool_data,
                "picked": [s.panelist_id for s in group], "seed_source": "epoch",
            }  # fmt: skip
            decided = {
                "decision": "upheld", "agree": 5, "disagree": 0, "closed": [],
                "votes": {str(s.id): "agree" for s in group},
                "opened": [{"assignment": s.id, "vote": "agree", "opinion_sha256": opinion,
                            "salt": s.seal_salt} for s in group],
            }  # fmt: skip
            rows = [(AuditKind.PANEL_DRAWN, "system", drawn, at)]
            rows += [
                (AuditKind.VOTE_RECORDED, f"panelist:{s.panelist_id}",
                 {"assignment": s.id, "seal": s.seal}, at + timedelta(hours=k + 1))
                for k, s in enumerate(group)
            ]  # fmt: skip
            rows.append((AuditKind.DECISION, "system", decided, decided_at))
            for seq, (kind, actor, data, when) in enumerate(rows, start=1):
                payload = canonical_json(data)
                digest = event_hash(
                    chain=chain, seq=seq, prev_hash=prev, at=when, kind=kind,
                    appeal_id=appeal_id, actor=actor, data=payload,
                )  # fmt: skip
                events.append(
                    {"chain": chain, "seq": seq, "at": when, "kind": str(kind),
                     "appeal_id": appeal_id, "actor": actor, "data": payload,
                     "prev_hash": prev, "hash": digest}
                )  # fmt: skip
                prev = digest
            heads.append({"name": chain, "length": len(rows), "head_hash": prev})
            added += len(rows)
            if len(events) >= batch:
                flush(conn)
        flush(conn)
        draw_summary.backfill(conn)
    settle(engine)
    return added
