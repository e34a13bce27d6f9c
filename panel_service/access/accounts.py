"""People who sign in: administrators, hotline staff and department officers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..enums import Refusal, Role
from ..models import Department, User
from ..refusals import Invalid

PASSWORD_MIN = 10
PASSWORD_MAX = 128
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Checked against when a username is unknown, so both paths take as long as a real check.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class UserInvalid(Invalid):
    """Field-by-field problems with a user's details (a ``Refusal`` code per field)."""


@dataclass
class UserInput:
    username: str
    display_name: str
    role: Role | str
    department: str | None = None  # department code, for department users only
    password: str | None = None  # None keeps the current password when editing
    active: bool = True


def hash_password(password: str) -> str:
    """A salted, slow hash of the password (werkzeug's scrypt)."""
    return generate_password_hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether ``password`` is the user's; takes as long for an unknown user."""
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(user.password_hash, password)


def password_problem(password: str | None) -> Refusal | None:
    """Why the password is not acceptable (PASSWORD_LENGTH), or None."""
    if not password or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return Refusal.PASSWORD_LENGTH
    return None


def _clean(*, session: Session, data: UserInput, creating: bool) -> tuple[dict, dict]:
    errors: dict[str, Refusal] = {}
    values: dict = {}
    username = (data.username or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        errors["username"] = Refusal.USERNAME_FORMAT  # 2-64 of a-z 0-9 . _ -
    values["username"] = username
    display = (data.display_name or "").strip()
    if not display or len(display) > 100:
        errors["display_name"] = Refusal.REQUIRED if not display else Refusal.TOO_LONG
    values["display_name"] = display
    try:
        role = Role(data.role)
    except ValueError:
        errors["role"] = Refusal.UNKNOWN_ROLE
        role = None
    values["role"] = role
    values["department_id"] = None
    code = (data.department or "").strip()
    if role == Role.DEPARTMENT:
        department = (
            session.exec(select(Department).where(Department.code == code)).first()
            if code
            else None
        )
        if department is None:
            errors["department"] = (
                Refusal.DEPARTMENT_REQUIRED if not code else Refusal.UNKNOWN_DEPARTMENT
            )
        else:
            values["department_id"] = department.id
    elif code:
        errors["department"] = Refusal.NOT_A_DEPARTMENT_USER
    if creating or data.password:
        problem = password_problem(data.password)
        if problem:
            errors["password"] = problem
    values["active"] = bool(data.active)
    return values, errors


def create_user(*, session: Session, data: UserInput, now: datetime) -> User:
    """Add a user; raises UserInvalid. The caller commits."""
    values, errors = _clean(session=session, data=data, creating=True)
    if "username" not in errors and find_user(session=session, username=values["username"]):
        errors["username"] = Refusal.USERNAME_TAKEN
    if errors:
        raise UserInvalid(errors)
    user = User(password_hash=hash_password(data.password), created_at=now, **values)
    session.add(user)
    session.flush()
    return user


def update_user(*, session: Session, user: User, data: UserInput) -> User:
    """Change a user's details (and password, when one is given); raises UserInvalid."""
    values, errors = _clean(session=session, data=data, creating=False)
    other = find_user(session=session, username=values["username"])
    if "username" not in errors and other is not None and other.id != user.id:
        errors["username"] = Refusal.USERNAME_TAKEN
    if errors:
        raise UserInvalid(errors)
    status_changed = values["active"] != user.active
    for name, value in values.items():
        setattr(user, name, value)
    if data.password:
        user.password_hash = hash_password(data.password)
    if data.password or status_changed:
        # Reactivating must not revive a cookie from before the deactivation either.
        end_sessions(session=session, user=user)
    session.add(user)
    session.flush()
    return user


def end_sessions(*, session: Session, user: User) -> None:
    """End every session the user has open: cookies issued before no longer sign them in."""
    user.session_generation = (user.session_generation or 0) + 1
    session.add(user)


def normal_username(username: str | None) -> str:
    """A username as stored: without surrounding spaces, in lower case."""
    return (username or "").strip().lower()


def find_user(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == normal_username(username))).first()


def authenticate(*, session: Session, username: str, password: str, now: datetime) -> User | None:
    """The active user with these credentials, or None; records the sign-in time."""
    user = find_user(session=session, username=username)
    if not check_password(user, password or "") or not user.active:
        return None
    user.last_login_at = now
    session.add(user)
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.username)).all())
