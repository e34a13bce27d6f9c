"""The API's data shapes (OpenAPI 3.1 schemas), apart from the paths that use them."""

from __future__ import annotations

from ...appeals import work_order_numbers as numbers
from ...appeals.submission import REPEAT_CALLS_RANGE, TEXT_LIMITS
from ...enums import AppealStatus
from ...text import BIDI_CONTROLS, BLANKS


def _escaped(chars: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in chars)


# A text field holds something besides blanks and bidirectional controls (which are
# trimmed and removed: text.clean_text), and no NUL (PostgreSQL cannot store it). Spelled out,
# not \s: Python's and JavaScript's \s differ.
TEXT_PATTERN = f"^[^\\u0000]*[^\\u0000{_escaped(BLANKS + BIDI_CONTROLS)}][^\\u0000]*$"
# A subset of the spellings `work_order_numbers.canonical` folds (what a schema's regex can
# say): ASCII or full-width letters and digits, with spaces, dashes and invisible characters
# between them. The API accepts a little more (mathematical digits); it refuses nothing this
# pattern admits.
_SEPARATORS = "\\u0020\\u002d\\u00ad\\u200b-\\u200d\\u2010-\\u2015\\u2060\\u3000\\ufeff"
_ALNUM = "A-Za-z0-9\\uff10-\\uff19\\uff21-\\uff3a\\uff41-\\uff5a"
WORK_ORDER_IN_PATTERN = (
    f"^[{_SEPARATORS}]*(?:[{_ALNUM}][{_SEPARATORS}]*){{{numbers.MIN_LENGTH},{numbers.MAX_LENGTH}}}$"
)


def _text(name: str, description: str) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS[name][1],
            "pattern": TEXT_PATTERN, "description": description}  # fmt: skip


# Every status an appeal can be in (`drawing`: waiting for the public beacon's round).
STATUSES = [s.value for s in AppealStatus]
_TIME = {"type": ["string", "null"], "format": "date-time"}
_WORK_ORDER = {
    "type": "string", "pattern": numbers.PATTERN, "minLength": numbers.MIN_LENGTH,
    "maxLength": numbers.MAX_LENGTH, "examples": ["XN20261201000777"],
    "description": "the hotline work order, in its canonical spelling (a duplicate filed"
    " before revision 0010, which `panel appeals duplicates` lists, keeps its own)",
}  # fmt: skip
# What a work order may be sent as: the service folds it to the canonical spelling first
# (NFKC, so full-width letters and digits are fine; invisible characters, spaces and
# dashes dropped; upper case), then refuses anything outside A-Z and 0-9.
WORK_ORDER_IN = {
    "type": "string", "minLength": 1, "maxLength": numbers.MAX_TYPED,
    "pattern": WORK_ORDER_IN_PATTERN,
    "examples": ["XN20261201000777", "xn-20261201-000777", "ＸＮ２０２６１２０１０００７７７"],
    "description": f"the hotline work order: {numbers.MIN_LENGTH}-{numbers.MAX_LENGTH}"
    f" letters and digits ({numbers.ALPHABET}) once full-width forms are folded, case is"
    " ignored and invisible characters, spaces and dashes are dropped; anything else"
    " (Cyrillic or Greek look-alikes, Arabic-Indic digits) is refused with"
    " `work_order_format`. Every spelling of one number is one work order.",
}  # fmt: skip
APPEAL = {
    "type": "object",
    "required": [
        "reference",
        "status",
        "decision",
        "votes",
        "deadline",
        "decided_at",
    ],  # fmt: skip
    "properties": {
        "reference": {"type": "string", "examples": ["AP-2025-000123"]},
        "work_order_no": _WORK_ORDER,
        "department": {"type": "string", "description": "department code"},
        "status": {"type": "string", "enum": STATUSES},
        "decision": {"type": ["string", "null"], "enum": ["upheld", "dismissed", None]},
        "votes_received": {
            "type": "integer",
            "description": "panelists who voted; present only once the appeal is decided (before"
            " that even the count would tell how the panel leans)",
        },
        "votes": {
            "description": "vote counts, only once decided (null while open)",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["agree", "disagree"],
                    "properties": {"agree": {"type": "integer"}, "disagree": {"type": "integer"}},
                },
            ],
        },
        "submitted_at": _TIME,
        "deadline": _TIME,
        "deadline_local": {
            "type": "string",
            "format": "date-time",
            "description": "the same instant in the service zone (Beijing time)",
            "examples": ["2025-12-04T18:00:00+08:00"],
        },
        "deadline_text": {
            "type": "string",
            "description": "the deadline as panelists read it",
            "examples": ["12月4日（周五）18:00"],
        },
        "decided_at": _TIME,
        "withdrawn_reason": {"type": ["string", "null"]},
    },
}

SCHEMAS = {
    "Department": {
        "type": "object",
        "required": ["code", "name"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
    },
    "NewAppeal": {
        "type": "object",
        "required": [
            "work_order_no",
            "department",
            "citizen_request",
            "department_reply",
            "appeal_reason",
            "policy_basis",
            "repeat_calls",
        ],  # fmt: skip
        "properties": {
            "work_order_no": WORK_ORDER_IN,
            "department": {
                "type": "string",
                "minLength": 1,
                "description": "department code (see /departments)",
            },
            "citizen_request": _text("citizen_request", "what the citizen asked"),
            "department_reply": _text("department_reply", "how it was handled"),
            "appeal_reason": _text("appeal_reason", "why the rating is unfair"),
            "policy_basis": _text("policy_basis", "the rules relied on"),
            "repeat_calls": {
                "type": "integer",
                "minimum": REPEAT_CALLS_RANGE[0],
                "maximum": REPEAT_CALLS_RANGE[1],
            },  # fmt: skip
        },
    },
    "Appeal": APPEAL,
    "WorkOrderDepartment": {
        "type": "object",
        "required": ["department", "reason"],
        "properties": {
            "department": {
                "type": "string",
                "minLength": 1,
                "description": "department code (see /departments)",
            },
            "reason": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": TEXT_PATTERN},
        },
    },
    "WorkOrder": {
        "type": "object",
        "required": ["work_order_no", "department", "withdrawn"],
        "properties": {
            "work_order_no": _WORK_ORDER,
            "department": {"type": "string"},
            "withdrawn": {
                "type": ["string", "null"],
                "description": "the reference of the appeal withdrawn by the move",
            },
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Each invalid field and why. An appeal's fields give a"
                " code: required, not_a_string, too_long, null_character,"
                " not_a_whole_number, out_of_range, unknown_department or"
                " work_order_format.",
            },
            "reason": {"type": "string", "description": "why, on a 409"},
            "reference": {"type": ["string", "null"]},
            "department": {"type": "string"},
        },
    },
}
