"""Every status and choice in one place, as StrEnums stored by value."""

from enum import StrEnum


class PanelistCategory(StrEnum):
    CPPCC = "cppcc"
    MEDIA = "media"
    ENTERPRISE = "enterprise"
    GOVERNMENT = "government"
    OTHER = "other"


class AppealStatus(StrEnum):
    DRAWING = "drawing"  # registered; its draw waits for the public beacon's next round
    OPEN = "open"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"
    STALLED = "stalled"


class Decision(StrEnum):
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class AssignmentState(StrEnum):
    PENDING = "pending"
    VOTED = "voted"
    RECUSED = "recused"
    REPLACED = "replaced"
    CLOSED = "closed"


class VoteChoice(StrEnum):
    AGREE = "agree"  # the appeal is justified
    DISAGREE = "disagree"


class AuditKind(StrEnum):
    APPEAL_CREATED = "appeal.created"
    PANEL_DRAWN = "panel.drawn"
    LINK_OPENED = "link.opened"
    LINK_REVOKED = "link.revoked"
    PLEDGE_CONFIRMED = "pledge.confirmed"
    VOTE_RECORDED = "vote.recorded"
    RECUSAL = "assignment.recused"
    REPLACEMENT = "panel.replacement"
    DECISION = "appeal.decided"
    WITHDRAWAL = "appeal.withdrawn"
    STALLED = "appeal.stalled"
    SEAT_CLOSED = "seat.closed"  # a pending seat closed without a substitute
    PANELIST_ADDED = "panelist.added"
    PANELIST_CHANGED = "panelist.changed"
    DEPARTMENT_ADDED = "department.added"
    WORK_ORDER_MOVED = "work_order.moved"  # the hotline put a work order under a department
    CALENDAR_OVERRIDE_SET = "calendar.override_set"
    CALENDAR_OVERRIDE_REMOVED = "calendar.override_removed"
    EPOCH_COMMITTED = "epoch.committed"  # days' seed secrets fixed, their digests published
    EPOCH_REVEALED = "epoch.revealed"  # a day is over: its secret published


class WorkOrderSource(StrEnum):
    """Who says which department a work order belongs to (see appeals/ownership.py)."""

    HOTLINE = "hotline"  # the hotline platform (the API) or hotline staff: authoritative
    DEPARTMENT = "department"  # the department's own appeal form claimed it first


class SeedSource(StrEnum):
    """Where a draw's seed came from (the draw event says which)."""

    EPOCH = "epoch"  # HMAC of the day's committed secret and the work order
    PREDECESSOR = "predecessor"  # a resubmitted work order continues its first draw
    RANDOM = "random"  # before revision 0007: 32 bytes from secrets


class ChainProblem(StrEnum):
    """What ``audit.verify_chain`` found wrong with a chain."""

    MISSING_EVENT = "missing_event"  # a gap in the positions: an event was deleted
    BAD_LINK = "bad_link"  # does not carry the hash of the event before it
    BAD_HASH = "bad_hash"  # its content was changed after it was hashed
    NO_HEAD = "no_head"  # events of a chain whose head was never recorded
    TAIL_MISSING = "tail_missing"  # the chain ends before its recorded head
    ALL_MISSING = "all_missing"  # a recorded chain with no events left


class SeatReason(StrEnum):
    """Why a seat was given up or closed (stored on the seat and in the audit)."""

    RECUSED = "recused"
    NO_RESPONSE = "no_response"
    MOBILE_FAILING = "mobile_failing"
    SUSPENDED = "panelist_suspended"
    RETIRED = "panelist_retired"
    INACTIVE = "inactive"  # found suspended or retired after the seat was taken
    CONFLICT = "conflict"  # now affiliated with the appealing department
    QUOTA = "quota"  # the panel now has more government staff than the quota allows
    NO_PLEDGE = "no_pledge"
    DECIDED = "decided"  # the panel decided before this seat voted
    WITHDRAWN = "withdrawn"


class StallReason(StrEnum):
    NO_SUBSTITUTE = "no_substitute"  # the candidate order ran out
    MAX_REPLACEMENT_ROUNDS = "max_replacement_rounds"


class PassOver(StrEnum):
    """Why a candidate in the published order was passed over by a draw or replacement."""

    INACTIVE = "inactive"
    OUT_OF_TERM = "out_of_term"
    NO_PLEDGE = "no_pledge"
    MOBILE_FAILING = "mobile_failing"
    CONFLICT = "conflict"
    QUOTA = "quota"
    ALREADY_ON_APPEAL = "already_on_appeal"
    DELETED = "deleted"


class Verdict(StrEnum):
    """What the fairness report's chi-square test says about a period's draws."""

    TOO_FEW = "too_few"  # too few draws (or expected counts under 1) to judge
    FAIR = "fair"
    WATCH = "watch"  # p < 0.05: may be chance
    UNFAIR = "unfair"  # p < 0.001


class Refusal(StrEnum):
    """Why the domain refused an operation or a field; the views word it (zh and en)."""

    # A seat or an appeal that cannot take this step (any order of arrival).
    ALREADY_VOTED = "already_voted"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"
    STALLED = "stalled"
    CLOSED = "closed"
    EXPIRED = "expired"
    NOT_WITHDRAWABLE = "not_withdrawable"
    NOT_ENOUGH_PANELISTS = "not_enough_panelists"
    EPOCH_NOT_COMMITTED = "epoch_not_committed"  # no seed commitment published for the day
    DUPLICATE_APPEAL = "duplicate_appeal"
    # The work order is registered to another department (which one is not said).
    WORK_ORDER_ELSEWHERE = "work_order_elsewhere"
    # A decided appeal fixes the work order's department for good.
    WORK_ORDER_DECIDED = "work_order_decided"
    # Membership.
    RETIRED = "retired"
    ALREADY_ACTIVE = "already_active"
    ALREADY_RETIRED = "already_retired"
    UNKNOWN_PANELIST = "unknown_panelist"
    RETIRE_AND_ACTIVATE = "retire_and_activate"
    # Fields.
    REQUIRED = "required"
    NOT_A_STRING = "not_a_string"
    TOO_LONG = "too_long"
    OPINION_LENGTH = "opinion_length"
    INVALID_VOTE = "invalid_vote"
    NOT_A_WHOLE_NUMBER = "not_a_whole_number"
    OUT_OF_RANGE = "out_of_range"
    NULL_CHARACTER = "null_character"
    WORK_ORDER_FORMAT = "work_order_format"  # outside appeals/work_order_numbers.ALPHABET
    UNKNOWN_DEPARTMENT = "unknown_department"
    NOT_A_PHONE_NUMBER = "not_a_phone_number"
    NOT_A_MOBILE_NUMBER = "not_a_mobile_number"
    MOBILE_TAKEN = "mobile_taken"
    UNKNOWN_CATEGORY = "unknown_category"
    NOT_A_DATE = "not_a_date"
    TERM_ENDS_BEFORE_START = "term_ends_before_start"
    # Accounts.
    USERNAME_FORMAT = "username_format"
    USERNAME_TAKEN = "username_taken"
    UNKNOWN_ROLE = "unknown_role"
    DEPARTMENT_REQUIRED = "department_required"
    NOT_A_DEPARTMENT_USER = "not_a_department_user"
    PASSWORD_LENGTH = "password_length"
    # A roster file.
    NOT_UTF8_OR_GBK = "not_utf8_or_gbk"
    MIXED_ENCODING = "mixed_encoding"
    MISSING_COLUMNS = "missing_columns"
    DUPLICATE_COLUMNS = "duplicate_columns"
    TOO_MANY_ROWS = "too_many_rows"
    ROWS_INVALID = "rows_invalid"
    NO_ROWS = "no_rows"


# Appeals in these states block a new appeal on the same work order: a decision is final,
# only a withdrawn appeal frees the work order.
LIVE_APPEAL_STATUSES = (
    AppealStatus.DRAWING,
    AppealStatus.OPEN,
    AppealStatus.STALLED,
    AppealStatus.DECIDED,
)


class OutboxChannel(StrEnum):
    SMS = "sms"
    WEBHOOK = "webhook"  # outcome webhooks (a later issue) go through the same outbox


class MessageKind(StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"
    REPLACEMENT_INVITATION = "replacement_invitation"
    WITHDRAWN_NOTICE = "withdrawn_notice"
    WEBHOOK = "webhook"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (first try or a retry)
    SENDING = "sending"  # claimed by a worker until claimed_until
    SENT = "sent"  # accepted by the provider; delivery receipts may follow
    DELIVERED = "delivered"  # the provider confirmed delivery
    FAILED = "failed"  # permanent failure, or retries exhausted
    CANCELLED = "cancelled"  # no longer wanted (e.g. the seat was vacated before sending)


class SmsFault(StrEnum):
    """What a provider's failure to take a text means, and so what happens next."""

    TRANSIENT = "transient"  # retried with backoff; counts against the provider's health
    THROTTLED = "throttled"  # rate limits, flow control: retried with backoff, provider fine
    NUMBER = "number"  # the number cannot take texts: marked failing, the seat handed on
    ACCOUNT = "account"  # balance, template, signature, keys: the text waits, provider aside
    UNKNOWN = "unknown"  # no answer (a timeout): the provider may have taken it


# Texts the provider has answered for: the denominator of the delivery and failure rates.
FINISHED_SMS = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.FAILED)


class DeliveryStatus(StrEnum):
    """Twilio's message statuses, as reported to the status callback."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"
    CANCELED = "canceled"


class Actor(StrEnum):
    """Who acted, as the audit trail names them: the service itself, or a kind of caller
    followed by ``:`` and its id or name (``panelist:12``, ``api:hotline-platform``; people
    who sign in are named by their ``Role``, ``staff:wang``)."""

    SYSTEM = "system"  # the worker, the deadline sweep, a provider's receipt
    PANELIST = "panelist"
    API = "api"
    CLI = "cli"  # an operator at the command line
    SEED = "seed"  # the demo data of `make run`


class MembershipChange(StrEnum):
    """What a ``panelist.changed`` event did to a member."""

    SUSPENDED = "suspended"
    RETIRED = "retired"
    ACTIVATED = "activated"
    EDITED = "edited"


class PoorResponse(StrEnum):
    """Why rotation lists a member as a poor responder."""

    NO_SHOWS = "no_shows"  # two or more seats lost for not voting by the deadline
    LOW_RESPONSE = "low_response"  # answered fewer than half of the seats that asked
    SLOW = "slow"  # median answer after more than 48 hours
    RECUSALS = "recusals"  # three or more recusals


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # hotline staff: submit and follow every appeal
    DEPARTMENT = "department"  # bound to one department: its own appeals only
