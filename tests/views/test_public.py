"""The public record's pages and data: for anyone, in Chinese and English, with no citizen's
data and no member's name in them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from panel_service.models import Panelist
from panel_service.panel import lifecycle
from panel_service.panel.seating import seated

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
