"""Sealed votes: the seal in the chain at once, published with the decision that opens it."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import select

from panel_service.enums import AuditKind
from panel_service.models import AuditEvent
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated
from panel_service.record import seals

from ..panelist_pages import OPINION, csrf_from, pledge


def test_the_seal_is_the_published_formula():
    opened = seals.Opened(17, "agree", hashlib.sha256("意见".encode()).hexdigest(), "00" * 16)
    text = "panel-seal-v1\nAP-2025-000001\n17\nagree\n" + opened.opinion_sha256 + "\n" + "00" * 16
    assert seals.seal_of(reference="AP-2025-000001", opened=opened) == hashlib.sha256(
        text.encode("utf-8")
    ).hexdigest()
    assert seals.short("0123456789abcdef" * 4) == "0123-4567-89ab"


def test_the_vote_event_carries_the_seal_and_the_decision_opens_every_one(
    session, appeal, rules, now
):
    panel = seated(session=session, appeal_id=appeal.id)
    for seat, choice in zip(panel[:3], ["agree", "disagree", "agree"], strict=True):
        lifecycle.record_vote(session=session, assignment=seat, vote=choice, opinion=OPINION,
                              rules=rules, now=now)  # fmt: skip
        session.commit()
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == AuditKind.VOTE_RECORDED)
            .order_by(AuditEvent.id.desc())
        ).first()  # fmt: skip
        data = json.loads(event.data)
        assert data == {"assignment": seat.id, "seal": seat.seal}
        assert choice not in event.data and seat.seal_salt not in event.data
    lifecycle.record_vote(session=session, assignment=panel[3], vote="agree", opinion=OPINION,
                          rules=rules, now=now)  # fmt: skip
    session.commit()
    decision = session.exec(select(AuditEvent).where(AuditEvent.kind == AuditKind.DECISION)).one()
    opened = json.loads(decision.data)["opened"]
    assert len(opened) == 4
    by_seat = {s.id: s for s in panel}
    for item in opened:
        assert seals.opens(reference=appeal.reference, seal=by_seat[item["assignment"]].seal,
                           opened=seals.Opened(**item))  # fmt: skip
    assert sum(o["vote"] == "agree" for o in opened) == 3


def test_a_panelist_finds_their_seal_on_the_public_record_once_decided(
    client, session, appeal, make_link, rules, now
):
    seat = seated(session=session, appeal_id=appeal.id)[0]
    session.commit()
    token = make_link(seat)
    form = pledge(client, token)
    data = {"csrf_token": csrf_from(form), "vote": "agree", "opinion": OPINION}
    receipt = client.post(f"/v/{token}", data=data, follow_redirects=True).get_data(as_text=True)
    session.expire_all()
    mine = session.get(type(seat), seat.id).seal
    session.commit()
    assert seals.short(mine) in receipt and mine in receipt
    assert f"P{seat.panelist_id:02d}" in receipt
    public = client.get(f"/public/appeals/{appeal.reference}").get_data(as_text=True)
    assert mine not in public and seals.short(mine) not in public  # not before the decision
    for other in seated(session=session, appeal_id=appeal.id)[1:3]:
        lifecycle.record_vote(session=session, assignment=other, vote="agree", opinion=OPINION,
                              rules=rules, now=now)  # fmt: skip
        session.commit()
    public = client.get(f"/public/appeals/{appeal.reference}").get_data(as_text=True)
    assert mine in public and OPINION not in public
