"""Signed checkpoints: the record cannot be rewritten or cut short without it showing."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from panel_service.enums import AuditKind
from panel_service.models import AuditChain, AuditEvent
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated
from panel_service.record import audit, checkpoints, verify
from panel_service.rules import PanelRules

OPINION = "部门已按时更换路灯,理由充分。"


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_the_root_is_rfc_9162s_merkle_tree_hash():
    a, b, c = b"a", b"b", b"c"
    assert checkpoints.merkle_root([]) == h(b"")
    assert checkpoints.merkle_root([a]) == h(b"\x00a")
    left = h(b"\x01" + h(b"\x00a") + h(b"\x00b"))
    assert checkpoints.merkle_root([a, b]) == left
    assert checkpoints.merkle_root([a, b, c]) == h(b"\x01" + left + h(b"\x00c"))


@pytest.fixture
def signer(signing_key_file):
    return checkpoints.Signer.from_file(signing_key_file)


def test_a_checkpoint_signs_every_chain_and_only_what_moved(session, appeal, signer, now):
    first = checkpoints.write(session=session, signer=signer, now=now)
    session.commit()
    chains = {c.name: (c.length, c.head_hash) for c in session.exec(select(AuditChain))}
    assert first.size == len(chains) and first.root == checkpoints.root_of(chains)
    assert checkpoints.signature_valid(
        public_raw=signer.public_raw,
        data=checkpoints.message(at=audit.iso(first.at), root=first.root, size=first.size),
        signature=first.signature,
    )
    assert checkpoints.write(session=session, signer=signer, now=now + timedelta(minutes=1)) is None
    seat = seated(session=session, appeal_id=appeal.id)[0]
    lifecycle.record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                          rules=PanelRules(), now=now)  # fmt: skip
    second = checkpoints.write(session=session, signer=signer, now=now + timedelta(minutes=2))
    session.commit()
    assert [c for c, _n, _h in json.loads(second.changed)] == [f"appeal:{appeal.id}"]
    assert checkpoints.state_at(session=session, checkpoint_id=second.id) == {
        c.name: (c.length, c.head_hash) for c in session.exec(select(AuditChain))
    }


def _signed(session, signer, now):
    checkpoints.write(session=session, signer=signer, now=now)
    session.commit()


def test_a_deleted_tail_shows_even_when_the_heads_are_rewritten_too(
    session, appeal, signer, now, runner, app, signing_key_file
):
    """t_chain: the last events deleted and the chain's recorded head moved back."""
    app.config["PANEL_CONFIG"].AUDIT_SIGNING_KEY_FILE = signing_key_file
    _signed(session, signer, now)
    chain = f"appeal:{appeal.id}"
    last = session.exec(
        select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq.desc())
    ).first()
    before = session.exec(
        select(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq == last.seq - 1)
    ).one()
    session.delete(last)
    session.execute(
        sa.update(AuditChain).where(AuditChain.name == chain)
        .values(length=before.seq, head_hash=before.hash)
    )  # fmt: skip
    session.commit()
    assert audit.verify_chain(session=session).ok  # the hash chain alone cannot tell
    report = verify.against_checkpoints(session=session, public_raw=signer.public_raw)
    assert any("its tail is gone" in p for p in report.problems), report.problems
    result = runner.invoke(args=["panel", "audit", "verify"])
    assert result.exit_code == 1 and "its tail is gone" in result.output


def test_a_rewritten_and_rehashed_history_shows(session, appeal, signer, now, runner, app,
                                               signing_key_file):  # fmt: skip
    """t_chain: who was drawn changed, every later hash recomputed, heads moved along."""
    app.config["PANEL_CONFIG"].AUDIT_SIGNING_KEY_FILE = signing_key_file
    _signed(session, signer, now)
    chain = f"appeal:{appeal.id}"
    in_order = select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
    events = session.exec(in_order).all()
    prev = audit.GENESIS_HASH
    for event in events:
        if event.kind == AuditKind.PANEL_DRAWN:
            data = json.loads(event.data)
            data["picked"] = list(reversed(data["picked"]))
            event.data = audit.canonical_json(data)
        event.prev_hash = prev
        event.hash = audit.hash_of(event)
        prev = event.hash
        session.add(event)
    session.execute(sa.update(AuditChain).where(AuditChain.name == chain).values(head_hash=prev))
    session.commit()
    assert audit.verify_chain(session=session).ok
    report = verify.against_checkpoints(session=session, public_raw=signer.public_raw)
    assert any("was rewritten at or before event" in p for p in report.problems), report.problems
    assert runner.invoke(args=["panel", "audit", "verify"]).exit_code == 1


def test_a_mirrored_old_checkpoint_is_checked_against_todays_record(
    session, appeal, signer, now, client, runner, tmp_path
):
    _signed(session, signer, now)
    listed = client.get("/public/checkpoints").json
    kept = client.get(f"/public/checkpoints/{listed[0]['id']}").json
    path = tmp_path / "mirrored.json"
    path.write_text(json.dumps(kept), encoding="utf-8")
    # The record grows: the old checkpoint must still be its prefix.
    seat = seated(session=session, appeal_id=appeal.id)[0]
    lifecycle.record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                          rules=PanelRules(), now=now + timedelta(hours=1))  # fmt: skip
    session.commit()
    assert verify.against_checkpoints(
        session=session, public_raw=signer.public_raw, mirrored=[kept]
    ).ok
    result = runner.invoke(args=["panel", "audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 0, result.output
    forged = {**kept, "root": "0" * 64}
    report = verify.against_checkpoints(session=session, public_raw=signer.public_raw,
                                        mirrored=[forged])  # fmt: skip
    assert any("do not give its root" in p for p in report.problems)


def test_the_worker_signs_when_due_and_after_a_decision(
    session, appeal, signer, now, make_worker, rules
):
    from panel_service.record.keeping import RecordSettings

    worker = make_worker(record=RecordSettings(signer=signer, checkpoint_every=timedelta(hours=1)))
    assert worker.run_once().counts["checkpoints signed"] == 1
    assert worker.run_once().counts["checkpoints signed"] == 0  # nothing due
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        lifecycle.record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                              rules=rules, now=now + timedelta(minutes=1))  # fmt: skip
        session.commit()
    from panel_service import timeutil

    timeutil.set_clock(lambda: now + timedelta(minutes=2))
    assert worker.run_once().counts["checkpoints signed"] == 1  # the decision made it due


def test_the_public_key_is_published(client, app, signer, signing_key_file):
    app.config["PANEL_CONFIG"].AUDIT_SIGNING_KEY_FILE = signing_key_file
    body = client.get("/public/key").json
    assert body == {"algorithm": "Ed25519", "public_key": signer.public_raw.hex(),
                    "key_id": signer.key_id}  # fmt: skip


def test_keygen_writes_a_key_once_readable_by_its_owner(runner, tmp_path):
    path = tmp_path / "key.pem"
    result = runner.invoke(args=["panel", "audit", "keygen", str(path)])
    assert result.exit_code == 0 and "public key" in result.output
    assert path.stat().st_mode & 0o077 == 0
    again = runner.invoke(args=["panel", "audit", "keygen", str(path)])
    assert again.exit_code != 0 and "never overwritten" in again.output
