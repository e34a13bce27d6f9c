"""The link pages' form token: bound to the link, so the pages need no session cookie.

A panelist's credential is the link itself (nothing ambient, no sign-in), and each form's
token is an HMAC of that link: a page from one link cannot post to another, and nothing
about the visit has to live in a cookie.
"""

from __future__ import annotations

import pytest

from panel_service.enums import AssignmentState, AuditKind

from ..panelist_pages import OPINION, count, csrf_from, fresh, pledge, seats, text


@pytest.fixture
def panel(session, appeal):
    return seats(session, appeal)


@pytest.fixture
def tokens(panel, make_link):
    return [make_link(seat) for seat in panel]


def _cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_no_link_page_sets_a_cookie(app, session, panel, tokens):
    client = app.test_client()
    token = tokens[0]
    pages = {"pledge": client.get(f"/v/{token}")}
    client.post(f"/v/{token}/pledge", data={"csrf_token": csrf_from(pages["pledge"])})
    pages["vote"] = client.get(f"/v/{token}")
    pages["recuse"] = client.get(f"/v/{token}/recuse")
    form = {"csrf_token": csrf_from(pages["vote"]), "vote": "agree", "opinion": OPINION}
    pages["voted"] = client.post(f"/v/{token}", data=form)
    pages["receipt"] = client.get(f"/v/{token}")
    assert 'name="vote"' in text(pages["vote"]) and pages["voted"].status_code == 303
    assert {name: _cookies(page) for name, page in pages.items()} == {
        name: [] for name in pages
    }


def test_a_vote_posted_without_any_cookie_is_recorded(app, session, panel, tokens):
    token = tokens[0]
    form_page = pledge(app.test_client(), token)
    stranger = app.test_client()  # another browser: no cookie from the pages above
    response = stranger.post(
        f"/v/{token}",
        data={"csrf_token": csrf_from(form_page), "vote": "disagree", "opinion": OPINION},
    )
    assert response.status_code == 303
    seat = fresh(session, type(panel[0]), panel[0].id)
    assert (seat.state, seat.vote) == (AssignmentState.VOTED, "disagree")


def test_a_form_token_from_another_link_is_refused_and_what_was_typed_is_kept(
    client, session, panel, tokens
):
    mine, theirs = tokens[0], tokens[1]
    pledge(client, mine)
    their_page = pledge(client, theirs)
    response = client.post(
        f"/v/{mine}",
        data={"csrf_token": csrf_from(their_page), "vote": "agree", "opinion": OPINION},
    )
    assert response.status_code == 422
    assert "页面已过期" in text(response) and OPINION in text(response)
    assert fresh(session, type(panel[0]), panel[0].id).state == AssignmentState.PENDING
    assert count(session, AuditKind.VOTE_RECORDED) == 0


@pytest.mark.parametrize("path", ["pledge", "recuse"])
def test_the_pledge_and_recusal_forms_refuse_another_links_token(
    client, session, panel, tokens, path
):
    mine, theirs = tokens[0], tokens[1]
    if path == "recuse":
        pledge(client, mine)
    their_page = client.get(f"/v/{theirs}")  # the pledge form of the other seat
    response = client.post(f"/v/{mine}/{path}", data={"csrf_token": csrf_from(their_page)})
    assert response.status_code == 422
    seat = fresh(session, type(panel[0]), panel[0].id)
    assert seat.state == AssignmentState.PENDING
    if path == "pledge":
        assert seat.pledge_confirmed_at is None


def test_a_form_token_keeps_working_after_the_secret_key_is_rotated(
    config, engine, session, panel, tokens
):
    from dataclasses import replace

    from panel_service import create_app

    token = tokens[0]
    before = create_app(config)
    rotated = create_app(
        replace(config, SECRET_KEY="a-new-secret-key-" + "x" * 32,
                SECRET_KEY_FALLBACKS=[config.SECRET_KEY])
    )  # fmt: skip
    try:
        form_page = pledge(before.test_client(), token)
        response = rotated.test_client().post(
            f"/v/{token}",
            data={"csrf_token": csrf_from(form_page), "vote": "agree", "opinion": OPINION},
        )
    finally:
        for app in (before, rotated):
            app.extensions["panel_engine"].dispose()
    assert response.status_code == 303
    assert fresh(session, type(panel[0]), panel[0].id).state == AssignmentState.VOTED
