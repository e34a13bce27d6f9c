"""Tables of the panel service (SQLModel), one module per concept; the schema itself comes
from Alembic. Import them from here: ``from panel_service.models import Appeal``."""

from __future__ import annotations

from .access import ApiKey, IdempotencyRecord, User
from .appeals import Appeal, Assignment, Attachment, Department, Panelist, WorkOrder
from .columns import new_public_id
from .messaging import CalendarOverride, OutboxMessage, SmsProviderHealth
from .record import (
    AuditChain,
    AuditCheckpoint,
    AuditEvent,
    CheckpointHead,
    DrawEpoch,
    FairnessDraw,
    FairnessPick,
    FairnessPool,
)

__all__ = [
    "Department",
    "WorkOrder",
    "Panelist",
    "Appeal",
    "Assignment",
    "Attachment",
    "AuditEvent",
    "AuditChain",
    "DrawEpoch",
    "AuditCheckpoint",
    "CheckpointHead",
    "FairnessPool",
    "FairnessDraw",
    "FairnessPick",
    "OutboxMessage",
    "SmsProviderHealth",
    "CalendarOverride",
    "User",
    "ApiKey",
    "IdempotencyRecord",
    "new_public_id",
]
