"""SMS backends: a small interface so another provider can be added without the outbox."""

from .base import Outgoing, SmsBackend, SmsFailure, make_backend

__all__ = ["Outgoing", "SmsBackend", "SmsFailure", "make_backend"]
