"""The public record's pages and data: for anyone, in Chinese and English, with no citizen's
data and no member's name in them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from panel_service.models import Panelist
from panel_service.panel import lifecycle, visits
from panel_service.panel.seating import seated
from panel_service.record.seals import short as seal_short

from .test_browser import browser, check_accessibility, live_server, phone  # noqa: F401

OPINION = "部门已按时更换路灯,市民不满意的是其他事项。"
PERIOD = "start=2025-09-01&end=2025-09-30"


@pytest.fixture
def decided(session, appeal, rules, now):
    for seat in seated(session=session, appeal_id=appeal.id)[:3]:
        lifecycle.record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                              rules=rules, now=now)  # fmt: skip
        session.commit()
    return appeal


def _pages(reference):
    return [f"/public/?{PERIOD}", f"/public/appeals/{reference}", "/public/epochs",
            f"/public/members?{PERIOD}", f"/public/fairness?{PERIOD}"]  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_public_page_opens_without_signing_in_and_shows_no_private_data(
    client, session, decided, lang
):
    names = [p.name for p in session.exec(select(Panelist))]
    mobiles = [p.mobile[3:] for p in session.exec(select(Panelist))]
    session.commit()
    for url in _pages(decided.reference):
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert decided.citizen_request not in html and "13907151234" not in html, url
        assert OPINION not in html, url
        assert not [n for n in names if n in html], url
        assert not [m for m in mobiles if m in html], url
        assert ('<html lang="en"' in html) == (lang == "en"), url
    receipt = client.get(f"/public/appeals/{decided.reference}?lang=en").get_data(as_text=True)
    assert "Opened at the decision" in receipt and "Candidate order" in receipt


def test_the_bundle_holds_what_the_verifier_reads(client, decided):
    response = client.get(f"/public/bundle.json?{PERIOD}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.json
    assert body["format"] == "panel-bundle-v1" and body["timezone"] == "Asia/Shanghai"
    assert {"epochs", "appeals", "chains", "checkpoints", "public_key", "period"} <= set(body)
    [summary] = body["appeals"]
    assert summary["reference"] == decided.reference and summary["decision"] == "upheld"
    assert [e["seq"] for e in body["chains"][summary["chain"]]][:2] == [1, 2]
    assert decided.citizen_request not in response.get_data(as_text=True)
    assert client.get("/public/bundle.json?start=nonsense").status_code == 400


def test_the_public_record_reads_well_on_a_phone(live_server, browser, decided, tmp_path):  # noqa: F811
    context = phone(browser)
    page = context.new_page()
    for label, url in (("list", f"/public/?{PERIOD}"),
                       ("receipt", f"/public/appeals/{decided.reference}")):  # fmt: skip
        page.goto(live_server + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, label
        check_accessibility(page, label)
        page.screenshot(path=str(tmp_path / f"public-{label}.png"), full_page=True)
    assert "评议" in page.content()
    context.close()


# -- before the decision: nothing public moves when someone votes --------------------------------

EVENTS_HELD_BACK = ("vote.recorded", "link.opened", "pledge.confirmed", "assignment.recused")


def _public_record(client, reference) -> dict[str, str]:
    """Every public page (both languages) and the bundle, as a visitor gets them."""
    urls = _pages(reference)
    urls += [u + ("&" if "?" in u else "?") + "lang=en" for u in urls]
    urls.append(f"/public/bundle.json?{PERIOD}")
    out = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        out[url] = response.get_data(as_text=True)
    return out


def _votes_are_not_in(record: dict[str, str], seats) -> None:
    for url, text in record.items():
        for seat in seats:
            if seat.seal:
                assert seat.seal not in text and seal_short(seat.seal) not in text, url
        for kind in EVENTS_HELD_BACK:
            assert kind not in text, (url, kind)
        assert "panelist:" not in text, url  # no event a panelist made


def test_the_public_record_of_an_open_appeal_is_the_same_after_0_to_4_votes(
    client, session, appeal, rules, now
):
    seats = sorted(seated(session=session, appeal_id=appeal.id), key=lambda s: s.id)
    session.commit()
    before = _public_record(client, appeal.reference)
    # The first panelist opens the link and confirms the pledge: no trace of it either.
    visits.mark_opened(session=session, assignment=seats[0], now=now)
    visits.confirm_pledge(session=session, assignment=seats[0], now=now)
    session.commit()
    assert _public_record(client, appeal.reference) == before
    for n, (seat, choice) in enumerate(
        zip(seats, ["agree", "disagree", "agree", "disagree"], strict=False), start=1
    ):
        lifecycle.record_vote(session=session, assignment=seat, vote=choice, opinion=OPINION,
                              rules=rules, now=now + timedelta(minutes=n))  # fmt: skip
        session.commit()
        session.refresh(appeal)
        assert appeal.status == "open"
        record = _public_record(client, appeal.reference)
        for url, text in record.items():
            assert text == before[url], f"{url} changed after {n} votes"
        _votes_are_not_in(record, seats)


def test_a_withdrawn_appeal_never_publishes_the_votes_it_did_not_count(
    client, session, appeal, rules, now
):
    seats = sorted(seated(session=session, appeal_id=appeal.id), key=lambda s: s.id)
    for seat, choice in zip(seats, ["agree", "disagree"], strict=False):
        lifecycle.record_vote(session=session, assignment=seat, vote=choice, opinion=OPINION,
                              rules=rules, now=now)  # fmt: skip
        session.commit()
    lifecycle.withdraw_appeal(session=session, appeal=appeal, reason="部门撤回", actor="staff:wang",
                              now=now + timedelta(hours=1))  # fmt: skip
    session.commit()
    record = _public_record(client, appeal.reference)
    _votes_are_not_in(record, seats)
    bundle = json.loads(record[f"/public/bundle.json?{PERIOD}"])
    assert "closed" not in json.loads(bundle["draws"][f"appeal:{appeal.id}"][-1]["data"])


def test_the_decision_publishes_every_seal_and_opens_it(client, session, decided):
    seats = [s for s in seated(session=session, appeal_id=decided.id) if s.seal]
    session.commit()
    assert len(seats) == 3
    receipt = client.get(f"/public/appeals/{decided.reference}?lang=en").get_data(as_text=True)
    bundle = client.get(f"/public/bundle.json?{PERIOD}").get_data(as_text=True)
    for seat in seats:
        assert seat.seal in receipt and seat.seal in bundle
        assert seat.seal_salt in receipt and seat.seal_salt in bundle
    body = json.loads(bundle)
    assert "vote.recorded" in bundle and f"appeal:{decided.id}" in body["chains"]
    assert not body.get("draws")
