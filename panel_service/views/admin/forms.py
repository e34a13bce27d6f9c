"""Forms of the panel administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ...enums import PanelistCategory
from ..forms import LocalDateField

CATEGORY_LABELS = {
    "cppcc": _l("CPPCC member"),
    "media": _l("Media"),
    "enterprise": _l("Business"),
    "government": _l("Government staff"),
    "other": _l("Other"),
}


REQUIRED = DataRequired(message=_l("Required"))


class PanelistForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            REQUIRED,
            Length(max=50, message=_l("No more than %(max)d characters", max=50)),
        ],
    )
    mobile = StringField(
        _l("Mobile number"),
        validators=[
            REQUIRED,
            Length(max=30, message=_l("No more than %(max)d characters", max=30)),
        ],
    )
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(c.value, CATEGORY_LABELS[c.value]) for c in PanelistCategory],
    )
    affiliation = SelectField(
        _l("Affiliation (department or county)"), choices=[], validate_choice=False
    )
    pledge_signed_on = LocalDateField(
        _l("Confidentiality pledge signed on"), validators=[Optional()]
    )
    term_start = LocalDateField(_l("Term starts"), validators=[REQUIRED])
    term_end = LocalDateField(_l("Term ends"), validators=[REQUIRED])


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file (UTF-8 or GBK)"),
        validators=[FileRequired(message=_l("Please choose a file"))],
    )


class ConfirmImportForm(FlaskForm):
    """Carries the previewed file back, so the confirmed import is exactly what was shown."""

    content = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A bare form: just the CSRF token, for buttons that change state."""


class CalendarOverrideForm(FlaskForm):
    """One day set as a working day or a holiday, beating the official calendar."""

    day = LocalDateField(_l("Day"), validators=[DataRequired()])
    workday = SelectField(
        _l("This day is"),
        choices=[
            SelectChoice("holiday", _l("a holiday")),
            SelectChoice("workday", _l("a working day")),
        ],
    )
    note = StringField(_l("Note (e.g. the State Council notice)"), validators=[Length(max=200)])
