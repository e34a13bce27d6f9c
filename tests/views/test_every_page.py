"""Every page, for each role and in each state, in Chinese and in English: no message of the
catalog (nor any other English word that is not data) is shown untranslated on a Chinese page.

The scene has an open, a decided, a stalled and a withdrawn appeal; panelists' links to a
seat before the pledge, a vote form, a receipt, a closed, an expired and a withdrawn seat;
forms sent back with their errors; flashes; charts and CSVs; and every error page.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from werkzeug.exceptions import default_exceptions

from panel_service.enums import MessageKind, OutboxStatus
from panel_service.models import OutboxMessage
from panel_service.panel import lifecycle, visits
from panel_service.panel.seating import seated
from panel_service.views import errors

from .. import factories
from ..appeals.test_attachments import _attach

CATALOG = Path(__file__).resolve().parents[2] / "panel_service/translations/zh/LC_MESSAGES"
OPINION = "部门已按规定办结,理由充分,申诉成立。"
# Latin words a Chinese page may show: names of formats and systems, and the scene's data.
ALLOWED = {"CSV", "XLSX", "JSON", "Lines", "SMS", "PDF", "JPEG", "PNG", "UTF", "GBK", "API",
           "HTTP", "Twilio", "pdf", "HOUSING", "WATER", "DEPT"}  # fmt: skip


def _msgid_patterns():
    """A regex for each catalog message whose Chinese differs from its English."""
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f)
    out = []
    for message in catalog:
        if not message.id or message.string == message.id:
            continue
        parts = re.split(r"%\(\w+\)[-+ #0-9.]*[sdf]|%[sd]", str(message.id))
        if not re.search(r"[A-Za-z]{2,}", "".join(parts)):
            continue  # placeholders and punctuation only
        body = r".+?".join(re.escape(part) for part in parts)
        left = r"(?<![A-Za-z])" if re.match(r"[A-Za-z]", message.id) else ""
        right = r"(?![A-Za-z])" if re.search(r"[A-Za-z]$", message.id) else ""
        out.append((message.id, re.compile(left + body + right)))
    return out


PATTERNS = _msgid_patterns()
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ATTRIBUTES = re.compile(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"')


def visible(markup: str) -> str:
    """What a person reads: text nodes and the attributes that are read out or shown."""
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S)
    # The other language's name on the language switch is meant to be in that language;
    # the audit trail's stored JSON waits behind its toggle, as recorded.
    markup = re.sub(r'<a [^>]*lang="en"[^>]*>.*?</a>', " ", markup, flags=re.S)
    markup = re.sub(r'(<details class="raw">\s*<summary>.*?</summary>).*?</details>', r"\1",
                    markup, flags=re.S)  # fmt: skip
    said = " ".join(ATTRIBUTES.findall(markup))
    buttons = " ".join(re.findall(r'<input[^>]*type="submit"[^>]*value="([^"]*)"', markup))
    text = re.sub(r"<[^>]+>", "\n", markup)
    return html_lib.unescape(f"{text}\n{said}\n{buttons}")


def untranslated(markup: str, data_words: set[str]) -> list[str]:
    """Catalog messages shown in English, and any other Latin word that is not data."""
    text = visible(markup)
    found = [f"msgid {mid!r}" for mid, pattern in PATTERNS if pattern.search(text)]
    text = re.sub(r"\b[0-9a-f]{12,64}\b", " ", text)  # hashes are data too
    text = re.sub(r"\b[0-9a-f]{4}(?:-[0-9a-f]{4}){2}\b", " ", text)  # and a seal's short form
    words = set(re.findall(r"[A-Za-z]{3,}", text))
    found += [f"word {w!r}" for w in sorted(words - ALLOWED - data_words)]
    return found


@pytest.fixture
def scene(app, session, pool, department, rules, now, make_user, sign_in, make_link):
    """Appeals in every state, seats in every state, a user per role, one page of each."""
    from panel_service.appeals.submission import create_appeal

    factories.DepartmentFactory(code="WATER", name="市水务局")
    session.commit()

    def submit(hours=0, code="HOUSING"):
        appeal = create_appeal(session=session, data=factories.appeal_input(department=code),
                               submitted_by="staff:wang", rules=rules,
                               now=now + timedelta(hours=hours))  # fmt: skip
        session.commit()
        return appeal

    opened, decided, stalled, withdrawn = submit(0), submit(1), submit(2), submit(3, "WATER")
    _attach(session, opened, Path(app.config["PANEL_ATTACHMENT_DIR"]), now)
    seats = {a.id: seated(session=session, appeal_id=a.id) for a in (opened, decided, stalled)}
    withdrawn_seat = seated(session=session, appeal_id=withdrawn.id)[0]
    # The open appeal: one pledged seat (the vote form), one not (the pledge), one recused,
    # one whose deadline has passed.
    for seat in seats[opened.id][:2]:
        visits.confirm_pledge(session=session, assignment=seat, now=now)
    lifecycle.recuse(session=session, assignment=seats[opened.id][2], note="与申诉单位有业务往来",
                     rules=rules, now=now)  # fmt: skip
    late = seats[opened.id][3]
    late.deadline = now - timedelta(minutes=1)
    session.add(late)
    for seat in seats[decided.id][:3]:
        visits.confirm_pledge(session=session, assignment=seat, now=now)
        lifecycle.record_vote(session=session, assignment=seat, vote="agree", opinion=OPINION,
                              rules=rules, now=now + timedelta(hours=2))  # fmt: skip
    session.commit()
    lifecycle.expire_seats(session=session, appeal_id=stalled.id,
                           rules=replace(rules, max_replacement_rounds=0),
                           now=stalled.deadline + timedelta(minutes=1))  # fmt: skip
    lifecycle.withdraw_appeal(session=session, appeal=withdrawn, reason="市民已撤回不满意评价",
                              actor="staff:wang", now=now)  # fmt: skip
    member = pool[0]
    member.mobile_failing_since = now
    session.add(member)
    session.add(OutboxMessage(kind=MessageKind.REMINDER, status=OutboxStatus.FAILED, attempts=8,
                              last_error="HTTP 503", appeal_id=opened.id, next_attempt_at=now,
                              created_at=now, updated_at=now))  # fmt: skip
    session.commit()
    users = {"admin": make_user("admin", "admin"), "staff": make_user("wang", "staff"),
             "department": make_user("housing", "department", "HOUSING")}  # fmt: skip
    clients = {role: sign_in(app.test_client(), user) for role, user in users.items()}
    clients["anonymous"] = app.test_client()
    links = {
        "pledge": make_link(seats[opened.id][4]),
        "vote": make_link(seats[opened.id][0]),
        "receipt": make_link(seats[decided.id][0]),
        "decided": make_link(seats[decided.id][4]),
        "stalled": make_link(seats[stalled.id][0]),
        "expired": make_link(late),
        "withdrawn": make_link(withdrawn_seat),
    }
    session.commit()
    return {
        "clients": clients,
        "appeals": {"open": opened, "decided": decided, "stalled": stalled,
                    "withdrawn": withdrawn},  # fmt: skip
        "links": links,
        "users": users,
        "panelist": member,
        "data": {"admin", "housing", "wang", "staff", *(a.reference for a in
                 (opened, decided, stalled, withdrawn))},  # fmt: skip
    }


def _pages(scene) -> list[tuple[str, str, str, dict | None]]:
    """(role, method, url, form): every page a person can reach in the scene."""
    a, links = scene["appeals"], scene["links"]
    member, user = scene["panelist"], scene["users"]["staff"]
    pages = [("anonymous", "GET", url, None)
             for url in ("/", "/login", "/no-such-page", "/admin/")]  # the last: sign in first
    pages.append(("anonymous", "POST", "/login", {"username": "wang", "password": "wrong"}))
    pages += [("anonymous", "GET", f"/v/{token}", None) for token in links.values()]
    pages += [("anonymous", "GET", f"/v/{links['vote']}/recuse", None),
              ("anonymous", "GET", "/v/not-a-real-token-at-all-0123456789", None),
              ("anonymous", "POST", f"/v/{links['vote']}", {"vote": "agree", "opinion": "短"})]
    for role, prefix in (("staff", "/staff"), ("department", "/department")):
        pages += [(role, "GET", f"{prefix}/", None), (role, "GET", f"{prefix}/appeals", None),
                  (role, "GET", f"{prefix}/appeals?status=stalled&q=AP", None),
                  (role, "GET", f"{prefix}/appeals/new", None),
                  (role, "POST", f"{prefix}/appeals/new", {"repeat_calls": "1"})]  # fmt: skip
    pages += [("staff", "GET", f"/staff/appeals/{x.reference}", None) for x in a.values()]
    pages += [("department", "GET", f"/department/appeals/{x.reference}", None)
              for x in (a["open"], a["decided"], a["stalled"])]  # fmt: skip
    pages += [("staff", "POST", f"/staff/appeals/{a['open'].reference}/withdraw", {}),
              ("staff", "GET", "/admin/", None), ("department", "GET", "/staff/", None)]
    admin = ["/admin/", "/admin/users", "/admin/users/new", f"/admin/users/{user.id}/edit",
             "/admin/panelists?show=all", "/admin/panelists/new",
             f"/admin/panelists/{member.id}", f"/admin/panelists/{member.id}/edit",
             "/admin/panelists/import", "/admin/rotation", "/admin/health",
             "/admin/stats", "/admin/stats?start=2025-99-01", "/admin/fairness", "/admin/outbox",
             "/admin/audit", "/admin/audit?kind=panel.replacement"]  # fmt: skip
    pages += [("admin", "GET", url, None) for url in admin]
    for chart in ("appeals_per_month", "decisions_per_department", "response_rates",
                  "sms_delivery"):  # fmt: skip
        pages += [("admin", "GET", f"/admin/stats/{chart}.svg", None),
                  ("admin", "GET", f"/admin/stats/{chart}.csv", None)]
    pages += [("admin", "GET", "/admin/panelists/export.csv", None),
              ("admin", "POST", "/admin/users/new", {"username": "A B", "role": "staff",
                                                     "password": "short"}),
              ("admin", "POST", "/admin/panelists/new", {"name": "", "mobile": "12345",
                                                         "term_start": "x"}),
              ("admin", "POST", "/admin/audit/verify", {}),
              ("admin", "POST", "/admin/fairness/replay", {}),
              ("admin", "POST", f"/admin/panelists/{member.id}/suspend", {}),
              ("admin", "POST", "/admin/rotation", {"retire": "1", "activate": "1"})]  # fmt: skip
    return pages


def _send(client, method, url, form, lang):
    """The page as a browser set to ``lang`` gets it (Accept-Language survives redirects)."""
    headers = {"Accept-Language": "en" if lang == "en" else "zh-CN,zh;q=0.9"}
    if method == "GET":
        return client.get(url, headers=headers, follow_redirects=True)
    form_page = client.get(url if "/v/" in url else url.split("?")[0]).get_data(as_text=True)
    token = CSRF.search(form_page) or CSRF.search(client.get("/login").get_data(as_text=True))
    data = {**(form or {}), "csrf_token": token.group(1)}
    return client.post(url, data=data, headers=headers, follow_redirects=True)


def test_every_page_is_chinese_on_the_chinese_side(scene):
    problems, seen, dates = {}, 0, 0
    for role, method, url, form in _pages(scene):
        client = scene["clients"][role]
        for lang in ("zh", "en"):
            response = _send(client, method, url, form, lang)
            body = response.get_data(as_text=True)
            response.close()
            assert response.status_code < 500, (role, method, url, lang)
            # A date picker speaks the page's language too.
            for field in re.findall(r'<input[^>]*type="date"[^>]*>', body):
                assert f'lang="{"en" if lang == "en" else "zh-CN"}"' in field, (url, field)
                dates += 1
            if lang == "en":
                assert not body.startswith("<!doctype") or '<html lang="en">' in body, url
                continue
            seen += 1
            found = untranslated(body, scene["data"])
            if found:
                problems[f"{role} {method} {url} ({response.status_code})"] = found
    assert seen >= 60 and dates >= 20
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("code", sorted(errors.CODES))
def test_every_error_page_is_worded_in_both_languages(app, code):
    for lang, check in (("zh", lambda t: untranslated(t, set()) == []),
                        ("en", lambda t: not re.search(r"[\u4e00-\u9fff]", t))):  # fmt: skip
        with app.test_request_context(f"/x?lang={lang}"):
            response = errors.handle_http_exception(default_exceptions[code]())
            body = response.get_data(as_text=True)
        assert response.status_code == code
        assert check(body), (code, lang, untranslated(body, set()))


def test_the_check_finds_english_left_on_a_chinese_page():
    assert untranslated("<p>申诉列表 Page not found.</p>", set()) == [
        "msgid 'Page not found.'", "word 'Page'", "word 'found'", "word 'not'",
    ]  # fmt: skip
    assert untranslated('<img alt="Number of appeals" src="x.svg">', set())
    assert untranslated("<style>.a{font:inherit}</style><p>页面 HOUSING</p>", set()) == []

