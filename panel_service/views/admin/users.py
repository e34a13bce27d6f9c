"""User management: the people who sign in, their roles, departments and status."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import timeutil
from ...access import accounts
from ...appeals.listing import departments
from ...db import get_session
from ...models import Department, User
from ..forms import SelectChoice, UserForm
from ..wording import say

log = logging.getLogger(__name__)

bp = Blueprint("users", __name__)

def _form(user: User | None = None) -> UserForm:
    session = get_session()
    form = UserForm(obj=user) if user is not None else UserForm()
    form.department.choices = [SelectChoice("", "—")] + [
        SelectChoice(d.code, f"{d.name}({d.code})") for d in departments(session=session)
    ]
    if user is not None and request.method == "GET":
        department = session.get(Department, user.department_id) if user.department_id else None
        form.department.data = department.code if department else ""
        form.password.data = ""
    return form


def _input(form: UserForm) -> accounts.UserInput:
    return accounts.UserInput(
        username=form.username.data,
        display_name=form.display_name.data,
        role=form.role.data,
        department=form.department.data or None,
        password=form.password.data or None,
        active=form.active.data,
    )


def _show_errors(form: UserForm, invalid: accounts.UserInvalid) -> None:
    for name, code in invalid.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, say(code, name)]


@bp.get("/users")
def index():
    """List every user with role, department and status."""
    session = get_session()
    names = {d.id: d.name for d in departments(session=session)}
    return render_template(
        "admin/users.html", users=accounts.list_users(session=session), department_names=names
    )


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int | None = None):
    """Add a user, or change one's details, role, password or status."""
    session = get_session()
    user = session.get(User, user_id) if user_id is not None else None
    if user_id is not None and user is None:
        abort(404)
    form = _form(user)
    if form.validate_on_submit():
        try:
            if user is None:
                user = accounts.create_user(session=session, data=_input(form), now=timeutil.now())
            else:
                accounts.update_user(session=session, user=user, data=_input(form))
        except accounts.UserInvalid as invalid:
            session.rollback()
            _show_errors(form, invalid)
        else:
            session.commit()
            log.info("user saved", extra={"user_id": user.id})
            flash(_("User %(name)s saved.", name=user.username))
            return redirect(url_for(".index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=user), status
