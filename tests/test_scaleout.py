"""Scale-out: two gunicorn instances and two workers share one PostgreSQL database."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import pytest
from sqlmodel import func, select

from panel_service import timeutil
from panel_service.access import links
from panel_service.enums import AppealStatus, AuditKind, Decision, OutboxChannel, OutboxStatus
from panel_service.models import Appeal, Assignment, AuditEvent, OutboxMessage

from . import factories, procs
from .conftest import TEST_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

APPEALS = 30
DECIDED = 8  # appeals on which all five panelists vote at once, through both instances


def _submit(base: str, api_key: str, n: int) -> tuple[int, str]:
    data = asdict(factories.appeal_input())
    status, body = procs.http(
        "POST", base + "/api/v1/appeals", data=json.dumps(data).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json",
                 "Idempotency-Key": f"scale-{n}"},
        timeout=20,
    )
    return status, json.loads(body).get("reference", "") if body else ""


def test_two_instances_and_two_workers_send_once_and_decide_once(
    engine, database_url, session, department, api_key, tmp_path
):
    if engine.dialect.name != "postgresql":
        pytest.skip("several instances and workers share PostgreSQL; SQLite serves one process")
    timeutil.set_clock(None)  # the api_key fixture froze it; links are signed with the time
    factories.PanelistFactory.create_batch(30)
    session.commit()
    sms_file = tmp_path / "sms.jsonl"
    env = procs.child_env(database_url, PANEL_SMS_FILE=str(sms_file))
    started = []
    try:
        for i in range(2):
            web, base = procs.gunicorn(env, tmp_path / f"web-{i}.log", workers=2)
            started.append((web, base))
        bases = [base for _web, base in started]
        workers = [procs.cli_worker(env, tmp_path / f"worker-{i}.log") for i in range(2)]
        started += [(w, None) for w in workers]

        # Appeals arrive at both instances at once, alternating.
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda n: _submit(bases[n % 2], api_key, n), range(APPEALS)))
        assert [status for status, _ref in answers] == [201] * APPEALS
        references = {ref for _status, ref in answers}
        assert len(references) == APPEALS

        def all_sent():
            if not sms_file.exists():
                return False
            return len(sms_file.read_text(encoding="utf-8").splitlines()) >= APPEALS * 5

        procs.wait_until(all_sent, timeout=30, interval=0.2, what="every invitation sent")

        # All five panelists of some appeals vote at the same moment, through both instances.
        chosen = session.exec(select(Appeal).order_by(Appeal.id).limit(DECIDED)).all()
        tokens = [
            links.make_token(assignment=seat, secret_keys=[TEST_SECRET])
            for appeal in chosen
            for seat in session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id))
        ]
        session.commit()
        with ThreadPoolExecutor(max_workers=10) as pool:
            votes = list(pool.map(lambda it: procs.Browser(bases[it[0] % 2]).vote(it[1]),
                                  enumerate(tokens)))
        # A vote arriving after the third has decided the appeal gets the "decided" page.
        assert votes == [200] * len(tokens)
    finally:
        for proc, _base in started:
            proc.stop()

    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    sent = Counter((line["to"], line["appeal"]) for line in lines)
    assert max(sent.values()) == 1  # nothing sent twice
    per_appeal = Counter(line["appeal"] for line in lines if line["kind"] == "invitation")
    assert set(per_appeal) == references and set(per_appeal.values()) == {5}
    session.expire_all()
    assert session.exec(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == OutboxChannel.SMS, OutboxMessage.status != OutboxStatus.SENT
        )
    ).one() == 0
    decisions = Counter(
        session.exec(select(AuditEvent.appeal_id).where(AuditEvent.kind == AuditKind.DECISION))
    )
    assert decisions == Counter({appeal.id: 1 for appeal in chosen})  # each decided once
    for appeal in chosen:
        stored = session.get(Appeal, appeal.id)
        assert (stored.status, stored.decision) == (AppealStatus.DECIDED, Decision.UPHELD)
    # Every web process and worker really took part.
    logs = [(tmp_path / f"web-{i}.log").read_text() for i in range(2)]
    assert all("POST /api/v1/appeals" in log for log in logs)
    assert all(
        "sent" in (tmp_path / f"worker-{i}.log").read_text() for i in range(2)
    ), "both workers should have sent texts"
