"""Signing in and out (Flask-Login sessions; failed attempts are rate-limited: login_limits)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_user, logout_user

from .. import timeutil
from ..access import accounts
from ..db import get_session
from ..enums import Role
from ..extensions import login_manager
from ..models import User
from . import login_limits
from .forms import LoginForm, LogoutForm

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)


@dataclass
class SignedIn(UserMixin):
    """The signed-in user as the request sees it (a snapshot, not a live row)."""

    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    session_generation: int

    def get_id(self) -> str:
        # The id and the user's session generation, nothing derived from the password:
        # logging out bumps the generation, so a copy of the cookie dies with the session.
        return f"{self.id}:{self.session_generation}"

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.username}"

    @classmethod
    def of(cls, user: User) -> SignedIn:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            department_id=user.department_id,
            session_generation=user.session_generation,
        )


@login_manager.user_loader
def _load_user(user_id: str) -> SignedIn | None:
    ident, _sep, generation = (user_id or "").partition(":")
    if not ident.isdigit() or not generation.isdigit():
        return None
    session = get_session()
    # Nothing begun and nothing pending: whatever this read opens is ours to end.
    fresh = not (session.in_transaction() or session.new or session.dirty or session.deleted)
    user = session.get(User, int(ident))
    signed_in = None
    if user is not None and user.active and user.session_generation == int(generation):
        signed_in = SignedIn.of(user)
    if fresh:
        # A read of our own: let go at once, so a view that parses before it writes (the
        # roster preview) does not hold SQLite's write lock meanwhile.
        session.rollback()
    return signed_in


login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in first."  # a msgid: see errors.py
login_manager.localize_callback = _
login_manager.session_protection = "basic"


def home_for(user) -> str:
    """Where a user lands after signing in."""
    if user.role == Role.DEPARTMENT:
        return url_for("department.index")
    if user.role == Role.ADMIN:
        return url_for("admin.home.index")
    return url_for("staff.index")


def _safe_next(target: str | None) -> str | None:
    # Only paths on this site: never an open redirect to somewhere else.
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.netloc and not parts.scheme else None


@bp.route("/login", methods=["GET", "POST"])
@login_limits.limited
def login():
    """Sign a member of staff, a department or an administrator in."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = accounts.authenticate(
            session=session,
            username=form.username.data,
            password=form.password.data,
            now=timeutil.now(),
        )
        if user is not None:
            session.commit()
            signed_in = SignedIn.of(user)
            login_user(signed_in)
            log.info("signed in", extra={"user_id": user.id})
            return redirect(_safe_next(request.args.get("next")) or home_for(signed_in))
        session.rollback()
        login_limits.record_failure()
        form.password.errors.append(_("Wrong username or password."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign the current user out, ending their sessions on the server."""
    form = LogoutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            session = get_session()
            user = session.get(User, current_user.id)
            if user is not None:
                accounts.end_sessions(session=session, user=user)
                session.commit()
            log.info("signed out", extra={"user_id": current_user.id})
        logout_user()
        flash(_("You have signed out."))
    return redirect(url_for("auth.login"))
