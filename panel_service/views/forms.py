"""Forms for signed-in people; each carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import DateInput

from .. import timeutil
from ..appeals import work_order_numbers
from ..appeals.submission import REPEAT_CALLS_RANGE, TEXT_LIMITS
from ..enums import Refusal, Role
from .dates import html_lang
from .wording import say


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """An integer field whose parse error speaks the page's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Please enter a whole number"))) from None


class _LocalDateInput(DateInput):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("lang", html_lang())  # the picker speaks the page's language
        return super().__call__(field, **kwargs)


class LocalDateField(StringField):
    """A calendar day, picked or typed, read by the service's one date parser."""

    widget = _LocalDateInput()

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = None
        if text and text.strip():
            try:
                self.data = timeutil.parse_date(text)
            except ValueError:
                raise ValueError(say(Refusal.NOT_A_DATE)) from None

    def _value(self):
        if isinstance(self.data, date):
            return self.data.isoformat()
        return self.raw_data[0] if self.raw_data else ""


class ChoiceField(SelectField):
    """A select whose "not one of the choices" error speaks the page's language."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(_l("Please choose from the list"))) from None


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"), filters=[_strip], validators=[InputRequired(message=_l("Required"))]
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Required"))])


class LogoutForm(FlaskForm):
    pass


def _text(label, name, area=True):
    low, high = TEXT_LIMITS[name]
    field = TextAreaField if area else StringField
    return field(
        label,
        filters=[_strip],
        validators=[
            InputRequired(message=_l("Required")),
            Length(min=low, max=high, message=_l("No more than %(max)d characters", max=high)),
        ],
        render_kw={"maxlength": high},
    )


def _work_order(form, field) -> None:
    """The number must have a canonical spelling (the domain stores that one)."""
    try:
        work_order_numbers.canonical(field.data)
    except work_order_numbers.NotAWorkOrder as refused:
        raise ValidationError(say(refused.code, "work_order_no")) from None


class AppealForm(FlaskForm):
    """Every field of an appeal; the domain checks them again (the API shares its rules)."""

    work_order_no = StringField(
        _l("Work order number"),
        filters=[_strip],
        validators=[InputRequired(message=_l("Required")), _work_order],
        render_kw={"maxlength": work_order_numbers.MAX_TYPED, "autocapitalize": "characters",
                   "spellcheck": "false", "autocomplete": "off"},
    )  # fmt: skip
    department = ChoiceField(
        _l("Responsible department"), validators=[InputRequired(message=_l("Please choose"))]
    )
    citizen_request = _text(_l("Citizen's request"), "citizen_request")
    department_reply = _text(_l("Department's reply"), "department_reply")
    appeal_reason = _text(_l("Reason for the appeal"), "appeal_reason")
    policy_basis = _text(_l("Policy basis"), "policy_basis")
    repeat_calls = WholeNumberField(
        _l("Number of calls"),
        validators=[InputRequired(message=_l("Please enter a whole number"))],
        render_kw={"min": REPEAT_CALLS_RANGE[0], "max": REPEAT_CALLS_RANGE[1]},
    )
    attachments = MultipleFileField(
        _l("Attachments (PDF, JPEG or PNG, each up to 10 MB, at most 5)"),
        render_kw={"accept": "application/pdf,image/jpeg,image/png"},
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for withdrawal"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please give the reason for withdrawal")),
            Length(max=2000, message=_l("No more than %(max)d characters", max=2000)),
        ],
    )


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"), filters=[_strip], validators=[InputRequired(message=_l("Required"))]
    )
    display_name = StringField(
        _l("Name"), filters=[_strip], validators=[InputRequired(message=_l("Required"))]
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.STAFF.value, _l("Hotline staff")),
            SelectChoice(Role.DEPARTMENT.value, _l("Department")),
            SelectChoice(Role.ADMIN.value, _l("Administrator")),
        ],
    )
    department = SelectField(_l("Organisation (department users only)"), validators=[Optional()])
    password = PasswordField(
        _l("Password (at least 10 characters; leave empty when editing to keep it)")
    )
    active = BooleanField(_l("Enabled"), default=True)
