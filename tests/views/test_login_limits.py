"""The sign-in's limits (views/login_limits.py), in Redis as in production: failures count,
per address and per account; an account under attack backs off, it is never locked."""

from __future__ import annotations

import re

import pytest

from ..conftest import DEMO_PASSWORD

OFFICE = "198.51.100.7"


@pytest.fixture
def browser(redis_app):
    """A client with the sign-in form's CSRF token; each POST says which address it is from."""

    class Browser:
        def __init__(self):
            self.client = redis_app.test_client()
            html = self.client.get("/login").get_data(as_text=True)
            self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]

        def sign_in(self, username, password, address):
            return self.client.post(
                "/login",
                data={"csrf_token": self.token, "username": username, "password": password},
                environ_base={"REMOTE_ADDR": address},
            )

    return Browser


def _limited(response, *, at_most: int) -> None:
    # A one-minute window: at most 60 seconds, and one more for rounding up.
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= at_most


def test_a_real_admin_is_not_locked_out_by_failures_from_other_addresses(browser, make_user):
    make_user("admin-zhao", "admin")
    attacker = browser()
    statuses = [attacker.sign_in("admin-zhao", f"guess-{n}", f"203.0.113.{n % 40 + 1}").status_code
                for n in range(80)]  # fmt: skip
    assert statuses.count(422) >= 20 and 429 in statuses  # the attack was slowed down
    # The administrator, from the office, with the right password: signed in at once.
    response = browser().sign_in("Admin-Zhao ", DEMO_PASSWORD, OFFICE)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")


def test_only_failures_count_so_an_office_signs_in_freely(browser, make_user):
    for n in range(12):
        make_user(f"staff-{n}", "staff")
    statuses = [browser().sign_in(f"staff-{n}", DEMO_PASSWORD, OFFICE).status_code
                for n in range(12)]  # fmt: skip
    assert statuses == [302] * 12


def test_one_address_guessing_at_one_account_blocks_that_pair_only(browser, make_user):
    make_user("wang", "staff")
    guesser = browser()
    statuses = [guesser.sign_in("wang", "wrong", "203.0.113.5").status_code for _ in range(5)]
    assert statuses == [422] * 5
    _limited(guesser.sign_in("wang", DEMO_PASSWORD, "203.0.113.5"), at_most=61)
    assert guesser.sign_in("li", "wrong", "203.0.113.5").status_code == 422  # another account
    assert browser().sign_in("wang", DEMO_PASSWORD, OFFICE).status_code == 302  # its owner


def test_the_address_limit_counts_failures_across_accounts(browser, make_user):
    make_user("wang", "staff")
    sprayer = browser()
    statuses = [sprayer.sign_in(f"user{n}", "123456", "203.0.113.9").status_code
                for n in range(10)]  # fmt: skip
    assert statuses == [422] * 10
    # Blocked before the password is checked: the right one is refused too, so the
    # address cannot tell a right guess from a wrong one.
    _limited(sprayer.sign_in("wang", DEMO_PASSWORD, "203.0.113.9"), at_most=61)
    assert browser().sign_in("wang", DEMO_PASSWORD, OFFICE).status_code == 302


def test_an_account_failing_from_many_addresses_backs_off_instead_of_locking(browser,
                                                                              make_user):
    make_user("admin-zhao", "admin")
    attacker = browser()
    for n in range(20):  # one guess from each of twenty addresses
        assert attacker.sign_in("admin-zhao", "guess", f"203.0.113.{n + 1}").status_code == 422
    # Now one try a minute per address on this account: a new address gets one guess ...
    assert attacker.sign_in("admin-zhao", "guess", "192.0.2.1").status_code == 422
    _limited(attacker.sign_in("admin-zhao", "guess", "192.0.2.1"), at_most=61)
    # ... and the owner's first try goes straight through.
    assert browser().sign_in("admin-zhao", DEMO_PASSWORD, OFFICE).status_code == 302
    # Other accounts are not touched by it.
    assert attacker.sign_in("someone-else", "guess", "192.0.2.2").status_code == 422
