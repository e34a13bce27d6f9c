"""Rotation: who should go, who may come, whether the pools suffice; one step to rotate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import timeutil
from ...db import get_session
from ...enums import Refusal
from ...membership.changes import MembershipRefused
from ...membership.health import panel_health
from ...membership.panelists import awaiting_activation, names
from ...membership.rotation import (
    category_balance,
    pool_warnings,
    poor_responders,
    rotate,
    terms_ending,
    under_represented,
)
from ...refusals import Refused
from ..common import actor, rules
from ..wording import say, who
from .forms import ActionForm

bp = Blueprint("rotation", __name__)

@bp.route("/rotation", methods=["GET", "POST"])
def index():
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
                actor=actor(),
                rules=rules(),
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
            return redirect(url_for(".index"))
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
        warnings=pool_warnings(session=session, rules=rules(), now=now),
        inactive=inactive,
    )
