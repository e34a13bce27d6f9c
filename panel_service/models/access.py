"""Who may use the service: users, API keys, remembered idempotent requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..enums import Role
from ..timeutil import UTCDateTime, now
from .columns import timestamp


# A person who signs in: an administrator, hotline staff, or a department's officer.
class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_type=sa.String(64), unique=True, index=True)
    display_name: str = Field(sa_type=sa.String(100))
    password_hash: str = Field(sa_type=sa.String(255))
    role: Role = Field(sa_type=sa.String(16))
    # Set for (and only for) department users: the one department whose appeals they see.
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)
    last_login_at: datetime | None = timestamp()
    # Rides in the session cookie with the id; bumped on logout, a new password and a change
    # of status, so every cookie issued before no longer signs anyone in (views/auth.py).
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


# A bearer key for the hotline platform; only the SHA-256 of the key is stored.
class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(64), unique=True)
    key_hash: str = Field(sa_type=sa.String(64), unique=True, index=True)
    prefix: str = Field(sa_type=sa.String(16))  # the key's first characters, to recognise it
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime(), nullable=False)
    last_used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()


# The first answer to a POST made with an Idempotency-Key, replayed to retries.
class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    key: str = Field(sa_type=sa.String(100))
    request_hash: str = Field(sa_type=sa.String(64))  # a retry must send the same body
    status_code: int
    body: str = Field(sa_type=sa.Text())
    created_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
