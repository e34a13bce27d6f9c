"""The panelist's one-time link: read the appeal, take the pledge, vote or step aside.

Opening a link (GET or HEAD) never changes anything but "first opened at": SMS apps, link
previewers and scanners open links before people do. Only a POST records a step.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import lifecycle, links, logredact, timeutil, visits
from ..db import get_session
from ..enums import AppealStatus, Refusal
from ..extensions import csrf, limiter
from ..lifecycle import OPINION_MAX, OPINION_MIN
from ..masking import mask
from ..models import Appeal, Assignment
from ..refusals import Refused
from ..rules import PanelRules
from ..seating import refusal
from .panelist_forms import PledgeForm, RecuseForm, VoteForm
from .wording import say

log = logging.getLogger(__name__)

bp = Blueprint("panelist", __name__, url_prefix="/v")
# The forms below validate their own CSRF token, so an expired token shows the form again
# with what was typed instead of an error page. Every POST here must go through a FlaskForm.
csrf.exempt(bp)
bp.record_once(lambda state: logredact.install(state.app))

# Failed look-ups (forged, unknown or revoked tokens) count against the client; normal use
# is limited only loosely, so a panel of five behind one office NAT is never locked out.
FAILED_LOOKUP_LIMIT = "10 per minute;30 per hour"
USE_LIMIT = "120 per minute"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _failed_lookup(response) -> bool:
    return response.status_code == 404


def _limited(view):
    view = limiter.limit(FAILED_LOOKUP_LIMIT, deduct_when=_failed_lookup)(view)
    return limiter.limit(USE_LIMIT)(view)


@bp.after_request
def _security_headers(response):
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.vary.add("Accept-Language")
    return response


def _when(value) -> str:
    local = timeutil.localize(value, current_app.config["PANEL_TIMEZONE"])
    return _("%(time)s (Beijing time)", time=local.strftime("%Y-%m-%d %H:%M"))


def _lang_args() -> dict:
    lang = request.args.get("lang")
    return {"lang": lang} if lang else {}


@bp.context_processor
def _helpers():
    return {
        "mask": mask,
        "when": _when,
        "lang_args": _lang_args(),
        "locale": str(get_locale() or "zh"),
        "opinion_limits": (OPINION_MIN, OPINION_MAX),
    }


def _page(template: str, status: int = 200, **context):
    _end_reads()
    # The helpers are passed, not left to the context processor, so that other panelist
    # blueprints (the files) can answer with these pages too.
    page = render_template(f"panelist/{template}", **{**_helpers(), **context})
    return make_response(page, status)


def _end_reads() -> None:
    """End a read-only transaction before rendering: on SQLite it holds the write lock
    (BEGIN IMMEDIATE), on PostgreSQL a pooled connection, and rendering needs neither."""
    session = get_session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()  # expire_on_commit=False: the loaded rows stay readable


def _message(kind: str, status: int, **context):
    return _page("message.html", status, kind=kind, **context)


def dead_link():
    """The page for a link that does not work, with this blueprint's headers.

    Whatever is refused through a link (a forged token, a file not to be had) answers this
    page, so the refusal tells nothing about what exists.
    """
    return _security_headers(_message("invalid", 404))


def _keys() -> list[str]:
    return links.secret_keys_from(current_app.config["PANEL_CONFIG"])


def _rules() -> PanelRules:
    return PanelRules.from_config(current_app.config["PANEL_CONFIG"])


def _load(token: str) -> tuple[Assignment, Appeal]:
    """The link's assignment and appeal, or abort with a page that gives nothing away."""
    session = get_session()
    try:
        assignment, current = links.resolve(session=session, token=token, secret_keys=_keys())
    except links.LinkInvalid:
        abort(dead_link())
    appeal = session.get(Appeal, assignment.appeal_id)
    if not current:
        if appeal.status == AppealStatus.WITHDRAWN:
            abort(_message("withdrawn", 410, appeal=appeal))
        abort(dead_link())
    return assignment, appeal


def _state_page(assignment: Assignment, appeal: Appeal, *, notice: str | None = None):
    """The page for a link that can no longer vote, or None while the vote is open."""
    code = refusal(appeal, assignment, timeutil.now())
    if code is None:
        return None
    if code in (Refusal.WITHDRAWN, Refusal.EXPIRED):
        return _message(str(code), 410, appeal=appeal, assignment=assignment)
    if code == Refusal.ALREADY_VOTED:
        return _page("receipt.html", appeal=appeal, assignment=assignment, notice=notice)
    if code == Refusal.DECIDED:
        return _message("decided", 200, appeal=appeal)
    return _message("closed", 200, appeal=appeal)


@bp.route("/<token>", methods=["GET", "POST"])
@_limited
def link(token: str):
    """Show the appeal to a panelist, or record their vote."""
    assignment, appeal = _load(token)
    session = get_session()
    # HEAD answers like GET but records nothing, not even the first opening.
    if request.method == "GET" and visits.mark_opened(
        session=session, assignment=assignment, now=timeutil.now()
    ):
        session.commit()
        log.info("link first opened", extra={"assignment": assignment.id})
    # A POST reaching a closed seat is a second tap, another tab or a replay: say so.
    notice = "already_voted" if request.method == "POST" else None
    page = _state_page(assignment, appeal, notice=notice)
    if page is not None:
        return page
    if not visits.pledge_confirmed(session=session, assignment=assignment):
        return _page("pledge.html", appeal=appeal, token=token, form=PledgeForm())

    form = VoteForm()
    if request.method != "POST":
        return _page("vote.html", appeal=appeal, assignment=assignment, token=token, form=form)
    if form.validate_on_submit():
        try:
            lifecycle.record_vote(
                session=session,
                assignment=assignment,
                vote=form.vote.data,
                opinion=form.opinion.data,
                rules=_rules(),
                now=timeutil.now(),
            )
        except Refused as refused:
            session.rollback()
            if refused.code == Refusal.OPINION_LENGTH:
                form.opinion.errors = [say(refused.code, **refused.params)]
            elif refused.code == Refusal.INVALID_VOTE:
                form.vote.errors = [say(refused.code)]
            else:
                # A second tap, another tab or a replay: show where things stand.
                session.refresh(assignment)
                session.refresh(appeal)
                notice = "already_voted" if refused.code == Refusal.ALREADY_VOTED else None
                return _state_page(assignment, appeal, notice=notice) or _message(
                    "closed", 200, appeal=appeal
                )
        else:
            session.commit()
            log.info("vote recorded", extra={"assignment": assignment.id})
            return redirect(url_for(".link", token=token, **_lang_args()), 303)
    return _page("vote.html", 422, appeal=appeal, assignment=assignment, token=token, form=form)


@bp.post("/<token>/pledge")
@_limited
def pledge(token: str):
    """Record the panelist's confidentiality pledge, then show the appeal."""
    assignment, appeal = _load(token)
    page = _state_page(assignment, appeal)
    if page is not None:
        return page
    form = PledgeForm()
    if not form.validate_on_submit():
        return _page("pledge.html", 422, appeal=appeal, token=token, form=form)
    session = get_session()
    if visits.confirm_pledge(session=session, assignment=assignment, now=timeutil.now()):
        session.commit()
    return redirect(url_for(".link", token=token, **_lang_args()), 303)


@bp.route("/<token>/recuse", methods=["GET", "POST"])
@_limited
def recuse(token: str):
    """Let a panelist step aside from an appeal they cannot judge."""
    assignment, appeal = _load(token)
    page = _state_page(assignment, appeal)
    if page is not None:
        return page
    form = RecuseForm()
    if request.method != "POST":
        return _page("recuse.html", appeal=appeal, token=token, form=form)
    if not form.validate_on_submit():
        return _page("recuse.html", 422, appeal=appeal, token=token, form=form)
    session = get_session()
    try:
        lifecycle.recuse(
            session=session,
            assignment=assignment,
            note=form.note.data,
            rules=_rules(),
            now=timeutil.now(),
        )
    except Refused as refused:
        session.rollback()
        if refused.code == Refusal.TOO_LONG:
            form.note.errors = [say(refused.code, "note", **refused.params)]
            return _page("recuse.html", 422, appeal=appeal, token=token, form=form)
        session.refresh(assignment)
        session.refresh(appeal)
        return _state_page(assignment, appeal) or _message("closed", 200, appeal=appeal)
    session.commit()
    log.info("panelist recused", extra={"assignment": assignment.id})
    # The link is revoked now, so the confirmation is shown here rather than after a redirect.
    return _message("recused", 200, appeal=appeal)


@bp.errorhandler(429)
def _too_many(_error):
    return _message("too_many", 429)
