"""Forms on the panelist's link; each carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from ...enums import VoteChoice
from ...panel.lifecycle import OPINION_MAX, OPINION_MIN, RECUSAL_NOTE_MAX


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class VoteForm(FlaskForm):
    vote = RadioField(
        _l("Your vote"),
        choices=[
            SelectChoice(VoteChoice.AGREE.value, _l("Agree: the appeal is justified")),
            SelectChoice(VoteChoice.DISAGREE.value, _l("Disagree: the appeal is not justified")),
        ],
        # The domain refuses anything but agree/disagree; a missing choice is the only case
        # worth its own message here.
        validate_choice=False,
        validators=[InputRequired(message=_l("Please choose agree or disagree."))],
    )
    opinion = TextAreaField(
        _l("Your opinion"),
        filters=[_strip],
        validators=[
            InputRequired(message=_l("Please write your opinion.")),
            Length(
                min=OPINION_MIN,
                max=OPINION_MAX,
                message=_l(
                    "Please write %(min)d to %(max)d characters.", min=OPINION_MIN, max=OPINION_MAX
                ),
            ),
        ],
    )
    submit = SubmitField(_l("Submit my vote"))


class PledgeForm(FlaskForm):
    submit = SubmitField(_l("I confirm the pledge"))


class RecuseForm(FlaskForm):
    note = TextAreaField(
        _l("Reason (optional)"),
        filters=[_strip],
        validators=[
            Length(
                max=RECUSAL_NOTE_MAX,
                message=_l("At most %(max)d characters.", max=RECUSAL_NOTE_MAX),
            )
        ],
    )
    submit = SubmitField(_l("Step aside"))
