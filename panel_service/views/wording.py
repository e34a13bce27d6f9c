"""The words for every refusal code the domain raises: one table, in Chinese and English.

The domain says *why* (``enums.Refusal``); only this table says it to a person. A code
missing here is a test failure (tests/test_wording.py), never an English fallback.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access.accounts import PASSWORD_MAX, PASSWORD_MIN
from ..appeals import work_order_numbers
from ..enums import ChainProblem, PassOver, Refusal, SeatReason, StallReason

WORDS = {
    Refusal.ALREADY_VOTED: _l("This panelist has already voted."),
    Refusal.DECIDED: _l("The panel has already decided this appeal."),
    Refusal.WITHDRAWN: _l("This appeal has been withdrawn."),
    Refusal.STALLED: _l("This appeal is waiting for the hotline staff."),
    Refusal.CLOSED: _l("This seat is no longer open."),
    Refusal.EXPIRED: _l("The voting deadline has passed."),
    Refusal.NOT_WITHDRAWABLE: _l("This appeal can no longer be withdrawn"),
    Refusal.NOT_ENOUGH_PANELISTS: _l(
        "Too few panelists can be drawn at the moment, so the appeal cannot be"
        " submitted yet. Please contact an administrator."
    ),
    Refusal.EPOCH_NOT_COMMITTED: _l(
        "Today's draw seed has not been committed yet, so the panel cannot be drawn. Please"
        " try again later or contact an administrator."
    ),
    Refusal.DUPLICATE_APPEAL: _l("This work order already has a live appeal"),
    Refusal.WORK_ORDER_ELSEWHERE: _l(
        "This work order is not registered to your department. If it is yours, ask the"
        " 12345 hotline to correct its department."
    ),
    Refusal.WORK_ORDER_DECIDED: _l("The panel has decided this work order's appeal."),
    Refusal.RETIRED: _l("A retired panelist cannot return."),
    Refusal.ALREADY_ACTIVE: _l("This panelist is already active."),
    Refusal.ALREADY_RETIRED: _l("This panelist has retired; membership can no longer change."),
    Refusal.UNKNOWN_PANELIST: _l("No such panelist."),
    Refusal.RETIRE_AND_ACTIVATE: _l("A panelist cannot be retired and activated at once."),
    Refusal.REQUIRED: _l("Required"),
    Refusal.NOT_A_STRING: _l("Must be text"),
    Refusal.TOO_LONG: _l("Too long"),
    Refusal.OPINION_LENGTH: _l("Please write %(min)d to %(max)d characters."),
    Refusal.INVALID_VOTE: _l("Please choose agree or disagree."),
    Refusal.NOT_A_WHOLE_NUMBER: _l("Must be a whole number"),
    Refusal.OUT_OF_RANGE: _l("Out of range"),
    Refusal.NULL_CHARACTER: _l("Contains a character that cannot be stored"),
    Refusal.UNKNOWN_DEPARTMENT: _l("No such department"),
    Refusal.WORK_ORDER_FORMAT: _l(
        "A work order number is %(min)d to %(max)d letters A-Z and digits 0-9, such as"
        " XN20261201000777"
    ),
    Refusal.NOT_A_PHONE_NUMBER: _l("Not a valid phone number"),
    Refusal.NOT_A_MOBILE_NUMBER: _l("Not a mobile number"),
    Refusal.MOBILE_TAKEN: _l("This number already belongs to another panelist"),
    Refusal.UNKNOWN_CATEGORY: _l("Please choose a category"),
    Refusal.NOT_A_DATE: _l("Must be a date like 2025-06-01"),
    Refusal.TERM_ENDS_BEFORE_START: _l("The term cannot end before it starts"),
    Refusal.USERNAME_FORMAT: _l("2 to 64 lower-case letters, digits, '.', '_' or '-'"),
    Refusal.USERNAME_TAKEN: _l("This username is already taken"),
    Refusal.UNKNOWN_ROLE: _l("Please choose a role"),
    Refusal.DEPARTMENT_REQUIRED: _l("A department user must belong to a department"),
    Refusal.NOT_A_DEPARTMENT_USER: _l("Only department users can belong to a department"),
    Refusal.PASSWORD_LENGTH: _l("Between %(min)d and %(max)d characters"),
    Refusal.NOT_UTF8_OR_GBK: _l(
        "Line %(line)d of the file is neither UTF-8 nor GBK/GB18030 text; save the file as "
        "UTF-8 and upload it again."
    ),
    Refusal.MIXED_ENCODING: _l(
        "Line %(line)d is not UTF-8 like the rest of the file: the file mixes encodings. Save "
        "it as UTF-8 and upload it again."
    ),
    Refusal.MISSING_COLUMNS: _l("The file is missing columns: %(columns)s"),
    Refusal.DUPLICATE_COLUMNS: _l("The file has these columns more than once: %(columns)s"),
    Refusal.TOO_MANY_ROWS: _l(
        "The file has more than %(limit)d rows; split it into files of at most %(limit)d rows."
    ),
    Refusal.ROWS_INVALID: _l("%(count)d rows have errors; nothing was imported."),
    Refusal.NO_ROWS: _l("The file has no rows."),
}
# Numbers a code's words need that the domain fixes, not the refusal.
FIXED_PARAMS = {
    Refusal.PASSWORD_LENGTH: {"min": PASSWORD_MIN, "max": PASSWORD_MAX},
    Refusal.WORK_ORDER_FORMAT: {"min": work_order_numbers.MIN_LENGTH,
                                "max": work_order_numbers.MAX_LENGTH},
}  # fmt: skip

# Where one field says more than the general words.
FIELD_WORDS = {
    ("repeat_calls", Refusal.OUT_OF_RANGE): _l(
        "The number of calls must be a whole number from 2 to 999"
    ),
    ("repeat_calls", Refusal.NOT_A_WHOLE_NUMBER): _l(
        "The number of calls must be a whole number from 2 to 999"
    ),
    ("note", Refusal.TOO_LONG): _l("At most %(max)d characters."),
}


# Why a seat ended, a candidate was passed over or an appeal stalled (timeline, audit).
REASONS = {
    SeatReason.RECUSED: _l("stepped aside"),
    SeatReason.NO_RESPONSE: _l("no vote by the deadline"),
    SeatReason.MOBILE_FAILING: _l("mobile number unreachable"),
    SeatReason.SUSPENDED: _l("panelist suspended"),
    SeatReason.RETIRED: _l("panelist retired"),
    SeatReason.INACTIVE: _l("panelist no longer active"),
    SeatReason.CONFLICT: _l("conflict of interest with the department"),
    SeatReason.QUOTA: _l("government staff quota"),
    SeatReason.NO_PLEDGE: _l("no confidentiality pledge"),
    SeatReason.DECIDED: _l("the panel had decided"),
    SeatReason.WITHDRAWN: _l("appeal withdrawn"),
    PassOver.OUT_OF_TERM: _l("outside the term of office"),
    PassOver.ALREADY_ON_APPEAL: _l("already on this appeal"),
    PassOver.DELETED: _l("no longer on the roster"),
    StallReason.NO_SUBSTITUTE: _l("no eligible substitute left"),
    StallReason.MAX_REPLACEMENT_ROUNDS: _l("replacement rounds used up"),
}


CHAIN_PROBLEMS = {
    ChainProblem.MISSING_EVENT: _l("an event before this one has been deleted"),
    ChainProblem.BAD_LINK: _l("this event does not link to the one before it"),
    ChainProblem.BAD_HASH: _l("this event was changed after it was recorded"),
    ChainProblem.NO_HEAD: _l("these events belong to a chain nobody recorded"),
    ChainProblem.TAIL_MISSING: _l("the chain's last events have been deleted"),
    ChainProblem.ALL_MISSING: _l("every event of the chain has been deleted"),
}


def chain_problem(problem: ChainProblem) -> str:
    return str(CHAIN_PROBLEMS[problem])


def reason(value) -> str:
    """A reason code in words; free text (a recusal note) as it was written."""
    words = REASONS.get(value) if isinstance(value, str) else None
    return str(words) if words is not None else ("" if value is None else str(value))


def say(code: Refusal, field: str | None = None, **params) -> str:
    """The refusal in the page's language, with its parameters filled in."""
    words = FIELD_WORDS.get((field, code)) or WORDS[code]
    params = {**FIXED_PARAMS.get(code, {}), **params}
    return str(words) % params if params else str(words)


def say_errors(errors: dict[str, Refusal]) -> dict[str, str]:
    """Each field's refusal in words (for forms, roster reports and the API)."""
    return {field: say(code, field) for field, code in errors.items()}


def who(name: str, code: Refusal, **params) -> str:
    """A refusal about one named person, e.g. a member in a rotation."""
    return _("%(name)s: %(why)s", name=name, why=say(code, **params))
