"""The panelist's one-time link: read the appeal, take the pledge, vote or step aside.

Opening a link (GET or HEAD) never changes anything but "first opened at": SMS apps, link
previewers and scanners open links before people do. Only a POST records a step.
"""

from __future__ import annotations

import functools
import logging
import math
import time

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from ... import timeutil
from ...access import links
from ...db import get_session, reads
from ...enums import AppealStatus, Refusal
from ...extensions import limiter
from ...panel import lifecycle, visits
from ...panel.seating import refusal
from ...refusals import Refused
from ..common import rules
from ..wording import say
from .forms import PledgeForm, RecuseForm, VoteForm
from .render import dead_link, lang_args, message, page

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

# Every request to a link page counts against its address (USE_LIMIT, all link pages
# together); forged or unknown tokens count apart, and once an address has made too many,
# its next forged one is a 429. A valid token is never refused for them, so a scanner (or
# a prankster) on an office's address does not block that office's panelists. (Guessing
# stays hopeless: a token carries an HMAC, and USE_LIMIT bounds every try.)
# Both are counted with Flask-Limiter's own strategy and storage, but called directly: one
# Redis round trip, without the decorator's per-request resolution of which limits apply
# (about a tenth of the page's time, BENCHMARKS.md).
USE_LIMIT = "120 per minute"
USE_LIMITS = parse_many(USE_LIMIT)
FAILED_LOOKUP_LIMIT = "10 per minute;30 per hour"
FAILED_LOOKUPS = parse_many(FAILED_LOOKUP_LIMIT)


def _count(items, scope: str) -> None:
    """Count this request against the client's address; 429 (with Retry-After) past a limit."""
    if not limiter.enabled:
        return
    address = get_remote_address() or "-"
    over = [item for item in items if not limiter.limiter.hit(item, scope, address)]
    if over:
        reset = max(limiter.limiter.get_window_stats(item, scope, address).reset_time
                    for item in over)  # fmt: skip
        raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


def _limited(view):
    @functools.wraps(view)
    def counted(*args, **kwargs):
        _count(USE_LIMITS, "link-use")
        return view(*args, **kwargs)

    return counted


def _keys() -> list[str]:
    return links.secret_keys_from(current_app.config["PANEL_CONFIG"])


def _load(token: str) -> visits.Visit:
    """The link's seat with what its page shows, or abort with a page that gives nothing away."""
    try:
        claims = links.read_token(token, secret_keys=_keys())
    except links.LinkInvalid:
        _count(FAILED_LOOKUPS, "link-failures")
        abort(dead_link())
    found = _read(claims.assignment_id)
    if found is None:
        abort(dead_link())
    if not links.is_current(found.assignment, claims):
        if found.appeal.status == AppealStatus.WITHDRAWN:
            abort(message("withdrawn", 410, appeal=found.appeal))
        abort(dead_link())
    return found


def _read(assignment_id: int) -> visits.Visit | None:
    """The seat as its page shows it. A POST reads in the transaction that will write (on
    SQLite, under the write lock); a page view on a connection that holds nothing, outside
    the session (it writes, the first opening, in a transaction of its own)."""
    if request.method == "POST":
        return visits.visit(connection=get_session().connection(), assignment_id=assignment_id)
    with reads() as connection:
        return visits.visit(connection=connection, assignment_id=assignment_id)


def _state_page(
    assignment: visits.SeatView, appeal: visits.AppealView, *, notice: str | None = None
):
    """The page for a link that can no longer vote, or None while the vote is open."""
    code = refusal(appeal, assignment, timeutil.now())
    if code is None:
        return None
    if code in (Refusal.WITHDRAWN, Refusal.EXPIRED):
        return message(str(code), 410, appeal=appeal, assignment=assignment)
    if code == Refusal.ALREADY_VOTED:
        return page("receipt.html", appeal=appeal, assignment=assignment, notice=notice)
    if code == Refusal.DECIDED:
        return message("decided", 200, appeal=appeal)
    return message("closed", 200, appeal=appeal)


def _where_things_stand(found: visits.Visit, code: Refusal, *, notice: str | None = None):
    """After a step refused with ``code``: the page for the state the seat is in."""
    if code == Refusal.DECIDED:
        # Final, and its page shows only the appeal's reference: nothing to read again
        # (two in five votes of a busy appeal arrive after its decision).
        return message("decided", 200, appeal=found.appeal)
    again = _read(found.assignment.id)
    return _state_page(again.assignment, again.appeal, notice=notice) or message(
        "closed", 200, appeal=again.appeal
    )


@bp.route("/<token>", methods=["GET", "POST"])
@_limited
def link(token: str):
    """Show the appeal to a panelist, or record their vote."""
    found = _load(token)
    assignment, appeal = found.assignment, found.appeal
    session = get_session()
    # HEAD answers like GET but records nothing, not even the first opening.
    if request.method == "GET" and assignment.first_opened_at is None:
        if visits.mark_opened(session=session, assignment=assignment, now=timeutil.now()):
            session.commit()
            log.info("link first opened", extra={"assignment": assignment.id})
    # A POST reaching a closed seat is a second tap, another tab or a replay: say so.
    notice = "already_voted" if request.method == "POST" else None
    state = _state_page(assignment, appeal, notice=notice)
    if state is not None:
        return state
    if not found.pledged:
        return page("pledge.html", appeal=appeal, token=token, form=PledgeForm(token, _keys()))
    if request.method != "POST":
        # Showing the empty form needs no WTForms: vote.html writes its fields itself.
        return _vote_page(found, token, None)
    form = VoteForm(token, _keys())
    if form.validate_on_submit():
        try:
            lifecycle.record_vote(
                session=session,
                assignment=assignment,
                vote=form.vote.data,
                opinion=form.opinion.data,
                rules=rules(),
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
                notice = "already_voted" if refused.code == Refusal.ALREADY_VOTED else None
                return _where_things_stand(found, refused.code, notice=notice)
        else:
            session.commit()
            log.info("vote recorded", extra={"assignment": assignment.id})
            return redirect(url_for(".link", token=token, **lang_args()), 303)
    return _vote_page(found, token, form, 422)


def _vote_page(found: visits.Visit, token: str, form: VoteForm | None, status: int = 200):
    """The vote form: empty, or (``form``) as typed, with the errors of a refused POST."""
    filled = {
        "chosen": form.vote.data if form else None,
        "opinion_text": (form.opinion.data or "") if form else "",
        "errors": {
            "csrf": bool(form.csrf_token.errors),
            "vote": form.vote.errors[0] if form.vote.errors else None,
            "opinion": form.opinion.errors[0] if form.opinion.errors else None,
        }
        if form
        else {},
    }
    return page(
        "vote.html", status, appeal=found.appeal, assignment=found.assignment, token=token,
        files=found.files, form_token=links.form_token(token, secret_keys=_keys()),
        action=url_for(".link", token=token, **lang_args()), **filled,
    )  # fmt: skip


@bp.post("/<token>/pledge")
@_limited
def pledge(token: str):
    """Record the panelist's confidentiality pledge, then show the appeal."""
    found = _load(token)
    assignment, appeal = found.assignment, found.appeal
    state = _state_page(assignment, appeal)
    if state is not None:
        return state
    form = PledgeForm(token, _keys())
    if not form.validate_on_submit():
        return page("pledge.html", 422, appeal=appeal, token=token, form=form)
    session = get_session()
    if visits.confirm_pledge(session=session, assignment=assignment, now=timeutil.now()):
        session.commit()
    return redirect(url_for(".link", token=token, **lang_args()), 303)


@bp.route("/<token>/recuse", methods=["GET", "POST"])
@_limited
def recuse(token: str):
    """Let a panelist step aside from an appeal they cannot judge."""
    found = _load(token)
    assignment, appeal = found.assignment, found.appeal
    state = _state_page(assignment, appeal)
    if state is not None:
        return state
    form = RecuseForm(token, _keys())
    if request.method != "POST":
        return page("recuse.html", appeal=appeal, token=token, form=form)
    if not form.validate_on_submit():
        return page("recuse.html", 422, appeal=appeal, token=token, form=form)
    session = get_session()
    try:
        lifecycle.recuse(
            session=session,
            assignment=assignment,
            note=form.note.data,
            rules=rules(),
            now=timeutil.now(),
        )
    except Refused as refused:
        session.rollback()
        if refused.code == Refusal.TOO_LONG:
            form.note.errors = [say(refused.code, "note", **refused.params)]
            return page("recuse.html", 422, appeal=appeal, token=token, form=form)
        return _where_things_stand(found, refused.code)
    session.commit()
    log.info("panelist recused", extra={"assignment": assignment.id})
    # The link is revoked now, so the confirmation is shown here rather than after a redirect.
    return message("recused", 200, appeal=appeal)
