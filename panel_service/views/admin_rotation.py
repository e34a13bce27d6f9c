"""Rotation (who should go, who may come, whether pools suffice) and the health table."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import timeutil
from ..db import get_session
from ..enums import Refusal
from ..health import panel_health
from ..panelists import MembershipRefused, awaiting_activation, names
from ..refusals import Refused
from ..rotation import (
    category_balance,
    pool_warnings,
    poor_responders,
    rotate,
    terms_ending,
    under_represented,
)
from .admin import bp
from .admin_forms import ActionForm
from .admin_panel import _actor, _rules
from .wording import say, who

HEALTH_SORTS = {
    "name", "assignments", "votes", "recusals", "no_shows", "sms_failures",
    "median_hours_to_vote", "last_activity", "agreement_rate", "response_rate",
}  # fmt: skip


@bp.route("/rotation", methods=["GET", "POST"])
def rotation():
    """Show who should rotate out and whether pools suffice; retire and activate in one step."""
    session = get_session()
    form = ActionForm()
    now = timeutil.now()
    if form.validate_on_submit():
        try:
            retire_ids = [int(x) for x in request.form.getlist("retire")]
            activate_ids = [int(x) for x in request.form.getlist("activate")]
            replaced = rotate(
                session=session,
                retire_ids=retire_ids,
                activate_ids=activate_ids,
                actor=_actor(),
                rules=_rules(),
                now=now,
            )
        except ValueError:
            session.rollback()
            flash(say(Refusal.UNKNOWN_PANELIST), "error")
        except MembershipRefused as refused:
            session.rollback()
            name = names(session=session).get(refused.panelist_id, str(refused.panelist_id))
            flash(who(name, refused.code), "error")
        except Refused as refused:
            session.rollback()
            flash(say(refused.code), "error")
        else:
            session.commit()
            flash(
                _(
                    "Rotation done: %(r)d retired, %(a)d activated, %(n)d seats replaced.",
                    r=len(retire_ids),
                    a=len(activate_ids),
                    n=len(replaced),
                ),
                "success",
            )
            return redirect(url_for("admin.rotation"))
    health = panel_health(session=session)
    balance = category_balance(session=session)
    inactive = awaiting_activation(session=session)
    return render_template(
        "admin/rotation.html",
        form=form,
        ending=terms_ending(session=session, now=now),
        poor=poor_responders(health),
        balance=balance,
        thin=under_represented(balance),
        warnings=pool_warnings(session=session, rules=_rules(), now=now),
        inactive=inactive,
    )


@bp.get("/health")
def health():
    """The panel's health table, sortable by any column."""
    sort = request.args.get("sort", "name")
    sort = sort if sort in HEALTH_SORTS else "name"
    rows = panel_health(session=get_session())

    def value(row):
        return row.panelist.name if sort == "name" else getattr(row, sort)

    # Rows without a figure (no votes yet, say) stay at the bottom in either direction.
    known = sorted(
        (r for r in rows if value(r) is not None),
        key=value,
        reverse=request.args.get("dir") == "desc",
    )
    rows = known + [r for r in rows if value(r) is None]
    return render_template("admin/health.html", rows=rows, sort=sort)
