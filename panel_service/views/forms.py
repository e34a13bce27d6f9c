"""Forms for signed-in people; each carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

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

from ..appeals import REPEAT_CALLS_RANGE, TEXT_LIMITS
from ..enums import Role


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """An integer field whose parse error speaks the page's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("请填写整数"))) from None


class ChoiceField(SelectField):
    """A select whose "not one of the choices" error speaks the page's language."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(_l("请从列表中选择"))) from None


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), filters=[_strip], validators=[InputRequired()])
    password = PasswordField(_l("密码"), validators=[InputRequired()])


class LogoutForm(FlaskForm):
    pass


def _text(label, name, area=True):
    low, high = TEXT_LIMITS[name]
    field = TextAreaField if area else StringField
    return field(
        label,
        filters=[_strip],
        validators=[
            InputRequired(message=_l("必填")),
            Length(min=low, max=high, message=_l("最多 %(max)d 个字", max=high)),
        ],
        render_kw={"maxlength": high},
    )


class AppealForm(FlaskForm):
    """Every field of an appeal; the domain checks them again (the API shares its rules)."""

    work_order_no = _text(_l("工单编号"), "work_order_no", area=False)
    department = ChoiceField(_l("责任单位"), validators=[InputRequired(message=_l("请选择"))])
    citizen_request = _text(_l("市民诉求"), "citizen_request")
    department_reply = _text(_l("部门答复"), "department_reply")
    appeal_reason = _text(_l("申诉理由"), "appeal_reason")
    policy_basis = _text(_l("政策依据"), "policy_basis")
    repeat_calls = WholeNumberField(
        _l("来电次数"),
        validators=[InputRequired(message=_l("请填写整数"))],
        render_kw={"min": REPEAT_CALLS_RANGE[0], "max": REPEAT_CALLS_RANGE[1]},
    )
    attachments = MultipleFileField(
        _l("附件(PDF、JPEG、PNG,每个不超过 10 MB,最多 5 个)"),
        render_kw={"accept": "application/pdf,image/jpeg,image/png"},
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("撤回原因"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("请填写撤回原因")),
            Length(max=2000, message=_l("最多 %(max)d 个字", max=2000)),
        ],
    )


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), filters=[_strip], validators=[InputRequired()])
    display_name = StringField(_l("姓名"), filters=[_strip], validators=[InputRequired()])
    role = SelectField(
        _l("角色"),
        choices=[
            SelectChoice(Role.STAFF.value, _l("热线工作人员")),
            SelectChoice(Role.DEPARTMENT.value, _l("责任单位")),
            SelectChoice(Role.ADMIN.value, _l("管理员")),
        ],
    )
    department = SelectField(_l("所属单位(仅责任单位用户)"), validators=[Optional()])
    password = PasswordField(_l("密码(至少 10 位;编辑时留空则不修改)"))
    active = BooleanField(_l("启用"), default=True)
