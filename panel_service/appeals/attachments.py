"""Files attached to an appeal: PDF, JPEG or PNG, recognised by their bytes, not their name.

The bytes are written under the attachment directory (never ``static/``) with a random name;
the row keeps the uploaded name for display only, and URLs name the file by a random
``public_id`` (never the row's id, which would tell the next file's). Files are written
before the transaction commits, and the caller deletes them with ``discard`` if it rolls
back, so a failed appeal leaves neither rows nor files behind. Panelists get a file only on
the terms of ``panelist_may_read``."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from ..enums import AppealStatus
from ..models import Appeal, Assignment, Attachment
from ..panel import visits
from ..panel.seating import SEAT_STATES

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# Magic numbers: the only types accepted, and the extension each is stored with.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


class AttachmentRefused(Exception):
    """The file is not one we keep; ``reason`` is ``type``, ``size``, ``empty`` or ``count``."""

    def __init__(self, reason: str, filename: str):
        super().__init__(f"{filename}: {reason}")
        self.reason = reason
        self.filename = filename


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to be stored."""

    filename: str
    content_type: str
    extension: str
    data: bytes


def sniff(data: bytes) -> tuple[str, str] | None:
    """The content type and extension the bytes start with, or None if not accepted."""
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    return None


def clean_filename(name: str | None) -> str:
    """A display name without paths or control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:200] or "attachment"


def check_upload(*, filename: str | None, data: bytes, max_bytes: int = MAX_BYTES) -> Upload:
    """Accept the file or raise AttachmentRefused (read at most ``max_bytes + 1`` bytes)."""
    name = clean_filename(filename)
    if not data:
        raise AttachmentRefused("empty", name)
    if len(data) > max_bytes:
        raise AttachmentRefused("size", name)
    found = sniff(data)
    if found is None:
        raise AttachmentRefused("type", name)
    return Upload(filename=name, content_type=found[0], extension=found[1], data=data)


def store(
    *,
    session: Session,
    appeal_id: int,
    uploads: list[Upload],
    directory: Path,
    uploaded_by: str,
    now: datetime,
) -> list[Attachment]:
    """Write the files and add their rows in the caller's transaction."""
    if len(uploads) > MAX_FILES:
        raise AttachmentRefused("count", uploads[MAX_FILES].filename)
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for upload in uploads:
        storage_name = secrets.token_hex(16) + upload.extension
        path = directory / storage_name
        # "x": never overwrite; the name is random, so a clash means something is wrong.
        with path.open("xb") as handle:
            handle.write(upload.data)
        row = Attachment(
            appeal_id=appeal_id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            storage_name=storage_name,
            uploaded_by=uploaded_by,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


EXTENSIONS = {content_type: extension for _magic, content_type, extension in SIGNATURES}


def download_name(filename: str, content_type: str) -> str:
    """The name a file is served under: its stem, with the extension of the type its bytes
    were found to be (``会议纪要.html`` holding a PNG is served as ``会议纪要.png``)."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return (stem.strip() or "attachment") + EXTENSIONS[content_type]


def discard(*, rows: list[Attachment], directory: Path) -> None:
    """Delete the files of rows whose transaction was rolled back."""
    for row in rows:
        (directory / row.storage_name).unlink(missing_ok=True)


def for_appeal(*, session: Session, appeal_id: int) -> list[Attachment]:
    return list(
        session.exec(
            select(Attachment).where(Attachment.appeal_id == appeal_id).order_by(Attachment.id)
        ).all()
    )


def find(*, session: Session, appeal_id: int, public_id: str) -> Attachment | None:
    """The appeal's attachment named ``public_id`` in URLs, or None."""
    return session.exec(
        select(Attachment).where(
            Attachment.appeal_id == appeal_id, Attachment.public_id == public_id
        )
    ).first()


def path_of(attachment: Attachment, directory: Path) -> Path:
    """Where the attachment's bytes are (the stored name is ours, never the uploader's)."""
    return directory / attachment.storage_name


def panelist_may_read(
    *, session: Session, assignment: Assignment, appeal: Appeal, now: datetime
) -> bool:
    """Whether a panelist, through a current link, may download the appeal's files now.

    Only after the confidentiality pledge, while the appeal is open and the seat pending or
    voted, and before the seat's deadline; the link itself is checked by the caller.
    """
    return (
        appeal.status == AppealStatus.OPEN
        and assignment.state in SEAT_STATES  # pending, or voted and waiting for the others
        and now < assignment.deadline
        # last: the only check that may ask the database
        and visits.pledge_confirmed(session=session, assignment=assignment)
    )
