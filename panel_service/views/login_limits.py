"""The sign-in's rate limits: they stop someone guessing passwords, not an office signing in.

Only failed sign-ins count (a wrong password, or an account that does not exist), so a
hotline office of forty behind one address signs in every morning without a 429:

- per address (``ADDRESS_LIMIT``): one address guessing at many accounts. A blocked
  address is refused before its password is checked, so it cannot learn which guess was
  right.
- per account and address (``PAIR_LIMIT``): one address guessing at one account blocks
  that pair only; the account's owner, anywhere else, signs in as before.
- per account, from anywhere: after ``UNDER_ATTACK`` failures in an hour (guesses spread
  over many addresses), every address gets ``BACKOFF_LIMIT`` on that account: one try a
  minute instead of a lock. The owner's first try from their own address still goes
  through at once; only a wrong one waits a minute. No one is ever locked out by
  someone else's failures, and a botnet gets one guess a minute per address.

Counts live in the limiter's storage (Redis in production: shared by every worker); keys
hold a digest of the username, never the name.
"""

from __future__ import annotations

import hashlib
import logging

from flask import g, request
from flask_limiter.util import get_remote_address
from limits import parse

from ..access.accounts import normal_username
from ..extensions import limiter

log = logging.getLogger(__name__)

ADDRESS_LIMIT = "10 per minute;50 per hour"
PAIR_LIMIT = "5 per minute;20 per hour"
BACKOFF_LIMIT = "1 per minute"
UNDER_ATTACK = parse("20 per hour")


def _address() -> str:
    return get_remote_address() or "-"


def _account() -> str:
    name = normal_username(request.form.get("username", ""))
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]


def address_key() -> str:
    return "login-address:" + _address()


def pair_key() -> str:
    return f"login-pair:{_account()}:{_address()}"


def _under_attack(account: str) -> bool:
    return not limiter.limiter.test(UNDER_ATTACK, "login-account", account)


def pair_limit() -> str:
    """The per-(account, address) limit: tighter while the account is under attack."""
    if request.method != "POST" or not limiter.enabled:
        return PAIR_LIMIT
    return BACKOFF_LIMIT if _under_attack(_account()) else PAIR_LIMIT


def failed(_response) -> bool:
    """Whether this sign-in counts against the limits: only a checked, wrong password."""
    return bool(g.get("login_failed"))


def record_failure() -> None:
    """Count a failed sign-in (the per-address and per-pair limits deduct after the view)."""
    g.login_failed = True
    if not limiter.enabled:
        return
    account = _account()
    before = _under_attack(account)
    limiter.limiter.hit(UNDER_ATTACK, "login-account", account)
    if not before and _under_attack(account):  # once, as the account starts backing off
        log.warning("sign-ins to one account keep failing: backing off", extra={"account": account})


def limited(view):
    """Wrap the sign-in view in its limits (POSTs only: reading the form is never limited)."""
    view = limiter.limit(
        ADDRESS_LIMIT, key_func=address_key, methods=["POST"], deduct_when=failed
    )(view)
    return limiter.limit(pair_limit, key_func=pair_key, methods=["POST"], deduct_when=failed)(view)
