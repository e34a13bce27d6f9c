"""The words for what the pages name: statuses, kinds, actors, columns and chart series.

``wording`` says why something was refused; this says what a stored value is called, in
the page's language. Every enum value has its words (tests/views/test_labels.py); a value
missing here would show as its code.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..enums import (
    Actor,
    AppealStatus,
    AssignmentState,
    AuditKind,
    Decision,
    MembershipChange,
    MessageKind,
    OutboxChannel,
    OutboxStatus,
    PoorResponse,
    Role,
    Verdict,
    VoteChoice,
)
from ..reports.timeline import SEATED

APPEAL_STATUS = {
    AppealStatus.DRAWING: _l("Waiting for the draw"),
    AppealStatus.OPEN: _l("Under review"),
    AppealStatus.DECIDED: _l("Decided"),
    AppealStatus.WITHDRAWN: _l("Withdrawn"),
    AppealStatus.STALLED: _l("Stalled"),
}
DECISION = {Decision.UPHELD: _l("Upheld"), Decision.DISMISSED: _l("Dismissed")}
VOTE = {VoteChoice.AGREE: _l("Agree"), VoteChoice.DISAGREE: _l("Disagree")}
SEAT_STATE = {
    AssignmentState.PENDING: _l("Awaiting a vote"),
    AssignmentState.VOTED: _l("Has voted"),
    AssignmentState.RECUSED: _l("Stepped aside"),
    AssignmentState.REPLACED: _l("Replaced"),
    AssignmentState.CLOSED: _l("Closed"),
    SEATED: _l("On the panel"),  # before the decision: voted or not is not shown
}
OUTBOX_STATUS = {
    OutboxStatus.PENDING: _l("Waiting to be sent"),
    OutboxStatus.SENDING: _l("Being sent"),
    OutboxStatus.SENT: _l("Sent, no receipt yet"),
    OutboxStatus.DELIVERED: _l("Delivered"),
    OutboxStatus.FAILED: _l("Failed"),
    OutboxStatus.CANCELLED: _l("Cancelled"),
}
MESSAGE_KIND = {
    MessageKind.INVITATION: _l("Invitation"),
    MessageKind.REMINDER: _l("Reminder"),
    MessageKind.REPLACEMENT_INVITATION: _l("Substitute's invitation"),
    MessageKind.WITHDRAWN_NOTICE: _l("Withdrawal notice"),
    MessageKind.WEBHOOK: _l("Result push"),
}
CHANNEL = {OutboxChannel.SMS: _l("Text messages"), OutboxChannel.WEBHOOK: _l("Result pushes")}
# SMS providers by their configured names (PANEL_SMS_BACKENDS).
SMS_PROVIDER = {
    "console": _l("console (development)"),
    "file": _l("file (tests)"),
    "twilio": _l("Twilio (international SMS)"),
    "aliyun": _l("Alibaba Cloud SMS"),
}
AUDIT_KIND = {
    AuditKind.APPEAL_CREATED: _l("Appeal submitted"),
    AuditKind.PANEL_DRAWN: _l("Panel drawn"),
    AuditKind.LINK_OPENED: _l("Link opened"),
    AuditKind.LINK_REVOKED: _l("Link revoked"),
    AuditKind.PLEDGE_CONFIRMED: _l("Pledge confirmed"),
    AuditKind.VOTE_RECORDED: _l("Vote recorded"),
    AuditKind.RECUSAL: _l("Asked to step aside"),
    AuditKind.REPLACEMENT: _l("Substitute drawn"),
    AuditKind.DECISION: _l("Decision made"),
    AuditKind.WITHDRAWAL: _l("Appeal withdrawn"),
    AuditKind.STALLED: _l("Review stalled"),
    AuditKind.SEAT_CLOSED: _l("Seat closed"),
    AuditKind.PANELIST_ADDED: _l("Panelist added"),
    AuditKind.PANELIST_CHANGED: _l("Panelist details changed"),
    AuditKind.DEPARTMENT_ADDED: _l("Department added"),
    AuditKind.WORK_ORDER_MOVED: _l("Work order's department set"),
    AuditKind.CALENDAR_OVERRIDE_SET: _l("Calendar day overridden"),
    AuditKind.CALENDAR_OVERRIDE_REMOVED: _l("Calendar override removed"),
    AuditKind.EPOCH_COMMITTED: _l("Draw seeds committed"),
    AuditKind.EPOCH_REVEALED: _l("Draw seed revealed"),
}
# The timeline's own entries, from the outbox.
TIMELINE_KIND = {
    **AUDIT_KIND,
    "sms.sent": _l("Text message sent"),
    "sms.delivered": _l("Text message delivered"),
    "sms.failed": _l("Text message failed"),
    "webhook.sent": _l("Result pushed"),
    "webhook.delivered": _l("Result pushed"),
    "webhook.failed": _l("Result push failed"),
}
ROLE = {
    Role.ADMIN: _l("Administrator"),
    Role.STAFF: _l("Hotline staff"),
    Role.DEPARTMENT: _l("Department"),
}
ACTOR = {
    Actor.SYSTEM: _l("The system"),
    Actor.PANELIST: _l("Panelist"),
    Actor.API: _l("Hotline platform (API)"),
    Actor.CLI: _l("Operator (command line)"),
    Actor.SEED: _l("Demo data"),
    **ROLE,
}
MEMBERSHIP_CHANGE = {
    MembershipChange.SUSPENDED: _l("suspended"),
    MembershipChange.RETIRED: _l("retired"),
    MembershipChange.ACTIVATED: _l("activated"),
    MembershipChange.EDITED: _l("details edited"),
}
# Membership changes as the public record lists them, by public code.
PUBLIC_MEMBER_CHANGE = {
    "joined": _l("joined"),
    MembershipChange.SUSPENDED: _l("suspended"),
    MembershipChange.ACTIVATED: _l("reinstated"),
    MembershipChange.RETIRED: _l("retired"),
    MembershipChange.EDITED: _l("details changed"),
    "mobile_failing": _l("number unreachable"),
}
POOR_RESPONSE = {
    PoorResponse.NO_SHOWS: _l("missed deadlines"),
    PoorResponse.LOW_RESPONSE: _l("answers less than half"),
    PoorResponse.SLOW: _l("slow answers"),
    PoorResponse.RECUSALS: _l("frequent recusals"),
}
# Columns of the roster as people read them (CSV and XLSX headers, the import preview);
# the import also takes these, in either language, for the machine names.
ROSTER_COLUMN = {
    "id": _l("ID"),
    "name": _l("Name"),
    "mobile": _l("Mobile number"),
    "category": _l("Category"),
    "affiliation": _l("Affiliation"),
    "pledge_signed_on": _l("Pledge signed on"),
    "term_start": _l("Term starts"),
    "term_end": _l("Term ends"),
    "active": _l("Active"),
    "mobile_failing_since": _l("Number failing since"),
}
# What the rows and the series of each statistics chart are.
CHART_ROWS = {
    "appeals_per_month": _l("Month"),
    "decisions_per_department": _l("Department"),
    "response_rates": _l("How the seat ended"),
    "sms_delivery": _l("Status of the text"),
}
CHART_SERIES = {
    "appeals": _l("Number of appeals"),
    "upheld": _l("Upheld"),
    "dismissed": _l("Dismissed"),
    "seats": _l("Number of seats"),
    "messages": _l("Number of texts"),
}
VERDICT = {
    Verdict.TOO_FEW: _l("Too few draws in this period to judge."),
    Verdict.FAIR: _l("How often each panelist was drawn matches what a fair random draw expects."),
    Verdict.WATCH: _l(
        "Some deviation from a fair draw's expectation; it may be chance. Keep watching."
    ),
    Verdict.UNFAIR: _l(
        "The draws differ from a fair draw's expectation more than chance explains "
        "(less than 1 in 1,000). Re-check each draw with the audit replay."
    ),
}
TABLES = {
    "appeal_status": APPEAL_STATUS,
    "decision": DECISION,
    "vote": VOTE,
    "seat_state": SEAT_STATE,
    "outbox_status": OUTBOX_STATUS,
    "message_kind": MESSAGE_KIND,
    "channel": CHANNEL,
    "sms_provider": SMS_PROVIDER,
    "audit_kind": AUDIT_KIND,
    "timeline_kind": TIMELINE_KIND,
    "role": ROLE,
    "membership_change": MEMBERSHIP_CHANGE,
    "public_member_change": PUBLIC_MEMBER_CHANGE,
    "poor_response": POOR_RESPONSE,
    "roster_column": ROSTER_COLUMN,
    "chart_series": CHART_SERIES,
    "verdict": VERDICT,
}


def label(table: str, value) -> str:
    """What ``value`` is called in the page's language (the value itself if unknown)."""
    if value is None:
        return ""
    words = TABLES[table].get(value) if isinstance(value, str) else None
    return str(words) if words is not None else str(value)


def actor(value: str | None, panelists: dict[int, str] | None = None) -> str:
    """Who acted, in words: ``panelist:12`` by the panelist's name when ``panelists`` has it,
    ``staff:wang`` as the role and the username."""
    if not value:
        return ""
    kind, _sep, ident = value.partition(":")
    who = ACTOR.get(kind)
    if who is None:
        return value
    if not ident:
        return str(who)
    if kind == Actor.PANELIST and ident.isdigit():
        ident = (panelists or {}).get(int(ident), ident)
    return _("%(who)s %(name)s", who=who, name=ident)


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")
