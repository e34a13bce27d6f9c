"""Forms on the panelist's link; each carries the link's form token (``links.form_token``).

Flask-WTF keeps its CSRF token in the session, which would give every link page a signed
session cookie to write and read. A link page has no session to protect: its credential is
the link, so the token is bound to the link instead (WTForms' own extension point for
CSRF, ``Meta.csrf_class``), and the pages set no cookie at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.csrf.core import CSRF
from wtforms.validators import InputRequired, Length, ValidationError

from ...access import links
from ...enums import VoteChoice
from ...panel.lifecycle import OPINION_MAX, OPINION_MIN, RECUSAL_NOTE_MAX


class LinkCSRF(CSRF):
    """The CSRF field of a link page's form: the link's form token, checked against it."""

    def setup_form(self, form):
        self.token, self.secret_keys = form.meta.csrf_context
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        return links.form_token(self.token, secret_keys=self.secret_keys)

    def validate_csrf_token(self, form, field) -> None:
        if not links.form_token_valid(self.token, field.data, secret_keys=self.secret_keys):
            raise ValidationError("The form token does not belong to this link.")


class LinkForm(FlaskForm):
    """A form posted through a panelist's link ``token``."""

    class Meta:
        csrf_class = LinkCSRF

    def __init__(self, token: str, secret_keys: Sequence[str], **kwargs):
        super().__init__(meta={"csrf_context": (token, tuple(secret_keys))}, **kwargs)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class VoteForm(LinkForm):
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


class PledgeForm(LinkForm):
    submit = SubmitField(_l("I confirm the pledge"))


class RecuseForm(LinkForm):
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
