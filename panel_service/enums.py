"""Every status and choice in one place, as StrEnums stored by value."""

from enum import StrEnum


class PanelistCategory(StrEnum):
    CPPCC = "cppcc"
    MEDIA = "media"
    ENTERPRISE = "enterprise"
    GOVERNMENT = "government"
    OTHER = "other"


class AppealStatus(StrEnum):
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
    PANELIST_ADDED = "panelist.added"
    PANELIST_CHANGED = "panelist.changed"
    DEPARTMENT_ADDED = "department.added"


# Appeals in these states block a new appeal on the same work order: a decision is final,
# only a withdrawn appeal frees the work order.
LIVE_APPEAL_STATUSES = (AppealStatus.OPEN, AppealStatus.STALLED, AppealStatus.DECIDED)


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


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # hotline staff: submit and follow every appeal
    DEPARTMENT = "department"  # bound to one department: its own appeals only
