"""The public record as JSON: the bundle an outside verifier reads, the checkpoints a
mirror keeps, and the key that signs them."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from sqlmodel import select

from ... import timeutil
from ...db import get_session
from ...models import AuditCheckpoint
from ...record import checkpoints
from ...record.public import bundle as build_bundle
from ..period import period_from_request
from .common import public_key

bp = Blueprint("data", __name__)


@bp.get("/bundle.json")
def bundle():
    """Download everything needed to verify a period's appeals (``start``/``end``)."""
    period = period_from_request(default_days=30)
    if period.error:
        abort(400)
    body = build_bundle(
        session=get_session(), start=period.start, end=period.end, public_raw=public_key(),
        now=timeutil.now(),
    )  # fmt: skip
    response = jsonify(body)
    name = f"panel-record-{period.start_date}-{period.end_date}.json"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@bp.get("/checkpoints")
def checkpoint_list():
    """Every signed checkpoint, oldest first, each with the chains it moved."""
    session = get_session()
    rows = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    return jsonify([checkpoints.public(r) for r in rows])


@bp.get("/checkpoints/<int:checkpoint_id>")
def checkpoint(checkpoint_id: int):
    """One checkpoint with the full list of chains it signed (what a mirror keeps)."""
    session = get_session()
    row = session.get(AuditCheckpoint, checkpoint_id)
    if row is None:
        abort(404)
    heads = checkpoints.state_at(session=session, checkpoint_id=row.id)
    return jsonify(checkpoints.public(row, heads))


@bp.get("/key")
def key():
    """The public key that signs the checkpoints."""
    raw = public_key()
    if raw is None:
        abort(404)
    return jsonify(
        {"algorithm": "Ed25519", "public_key": raw.hex(), "key_id": checkpoints.key_id(raw)}
    )
