"""Property tests (hypothesis): the draw, link tokens and SMS segment counting."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from panel_service.access import links
from panel_service.enums import PanelistCategory
from panel_service.messaging import messages
from panel_service.models import Appeal, Assignment, Department, DrawEpoch, Panelist
from panel_service.panel.draw import NotEnoughPanelists, candidate_order, select_panel
from panel_service.panel.lifecycle import draw_panel
from panel_service.record import epochs
from panel_service.rules import PanelRules
from panel_service.timeutil import local_date

CATEGORIES = [c.value for c in PanelistCategory]
GOV = PanelistCategory.GOVERNMENT.value
seeds = st.binary(min_size=32, max_size=32)
pools = st.lists(
    st.tuples(st.integers(1, 10_000), st.sampled_from(CATEGORIES)),
    min_size=0, max_size=40, unique_by=lambda pair: pair[0],
)


def published_order(seed: bytes, pool: list[int]) -> list[int]:
    """The README's algorithm, written again from its text: the replay must agree."""
    remaining, i, order = sorted(pool), 0, []
    while remaining:
        k = int(hashlib.sha256(seed + i.to_bytes(4, "big")).hexdigest(), 16) % len(remaining)
        order.append(remaining.pop(k))
        i += 1
    return order


# --- the draw -----------------------------------------------------------------------------


@given(seed=seeds, pool=pools)
def test_the_candidate_order_is_a_permutation_and_replays_equal(seed, pool):
    ids = [pid for pid, _ in pool]
    order = list(candidate_order(seed, ids))
    assert sorted(order) == sorted(ids)
    assert order == published_order(seed, ids) == list(candidate_order(seed, list(reversed(ids))))


@given(seed=seeds, pool=pools, quota=st.integers(0, 5))
def test_a_panel_is_full_and_within_the_quota_whenever_the_pool_allows(seed, pool, quota):
    selection = select_panel(seed, pool, size=5, government_quota=quota)
    categories = dict(pool)
    government = sum(1 for pid in selection.picked if categories[pid] == GOV)
    assert government <= quota
    assert len(set(selection.picked)) == len(selection.picked)
    assert set(selection.picked) <= set(categories)
    seatable = sum(1 for c in categories.values() if c != GOV) + min(
        quota, sum(1 for c in categories.values() if c == GOV)
    )
    assert len(selection.picked) == min(5, seatable)
    # Replay: the seats are the first candidates in the published order, quota applied.
    expected, gov = [], 0
    for pid in published_order(seed, list(categories)):
        if len(expected) == 5:
            break
        if categories[pid] == GOV:
            if gov >= quota:
                continue
            gov += 1
        expected.append(pid)
    assert selection.picked == expected
    assert select_panel(seed, pool, size=5, government_quota=quota) == selection


# One panelist as hypothesis imagines them: a conflict, out of term, no pledge, a failing
# number, inactive, or fine; and a category.
panelist_specs = st.fixed_dictionaries(
    {
        "category": st.sampled_from(CATEGORIES),
        "conflict": st.booleans(),
        "active": st.booleans(),
        "in_term": st.booleans(),
        "pledged": st.booleans(),
        "failing": st.booleans(),
    }
)
NOW = datetime(2025, 9, 24, 2, 0, tzinfo=UTC)


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(panelist_specs, min_size=0, max_size=30), seed=seeds,
       quota=st.integers(0, 3))
def test_the_drawn_panel_never_seats_an_ineligible_or_conflicted_panelist(
    session, specs, seed, quota
):
    """Against the database: the draw's own query decides who is eligible."""
    today = NOW.date()
    try:
        own = Department(code="HOUSING", name="市住房和城乡建设局")
        other = Department(code="WATER", name="市水务局")
        session.add_all([own, other])
        session.flush()
        panelists = []
        for n, spec in enumerate(specs):
            panelists.append(Panelist(
                name=f"评议员{n}", mobile=f"+86139{n:08d}", category=spec["category"],
                affiliation_id=own.id if spec["conflict"] else other.id,
                active=spec["active"],
                term_start=date(2025, 1, 1),
                term_end=date(2027, 1, 1) if spec["in_term"] else today - timedelta(days=1),
                pledge_signed_on=date(2025, 1, 1) if spec["pledged"] else None,
                mobile_failing_since=NOW if spec["failing"] else None,
            ))
        session.add_all(panelists)
        session.flush()
        appeal = Appeal(
            reference="AP-2025-000001", work_order_no="XN20250000000001",
            department_id=own.id, citizen_request="路灯", department_reply="已修",
            appeal_reason="已办结", policy_basis="规定", repeat_calls=3,
            submitted_by="staff:test", submitted_at=NOW, deadline=NOW + timedelta(hours=72),
        )
        session.add(appeal)
        session.flush()
        rules = PanelRules(government_quota=quota)
        eligible = {
            p.id for p, s in zip(panelists, specs, strict=True)
            if not s["conflict"] and s["active"] and s["in_term"] and s["pledged"]
            and not s["failing"]
        }
        eligible_gov = sum(1 for p in panelists if p.id in eligible and p.category == GOV)
        seatable = len(eligible) - eligible_gov + min(quota, eligible_gov)
        # The day's committed secret is the generated one, so the seed is known here.
        epoch = session.get(DrawEpoch, local_date(NOW))
        epoch.secret = seed.hex()
        session.add(epoch)
        seed = epochs.seed_for(epoch, appeal.work_order_no)
        try:
            seats = draw_panel(session=session, appeal=appeal, rules=rules, now=NOW)
        except NotEnoughPanelists:
            assert seatable < 5  # never fewer than five: no panel at all instead
            return
        assert seatable >= 5 and len(seats) == 5
        chosen = {a.panelist_id for a in seats}
        assert chosen <= eligible
        by_id = {p.id: p for p in panelists}
        assert sum(1 for pid in chosen if by_id[pid].category == GOV) <= quota
        assert [a.panelist_id for a in seats] == select_panel(
            seed, [(p.id, str(p.category)) for p in panelists if p.id in eligible],
            size=5, government_quota=quota,
        ).picked
    finally:
        session.rollback()


# --- link tokens ------------------------------------------------------------------------------

KEYS = ["property-test-key-0123456789abcdef"]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def _token(assignment_id: int, nonce: str) -> str:
    return links.make_token(
        assignment=Assignment(id=assignment_id, link_nonce=nonce), secret_keys=KEYS
    )


ids = st.integers(1, 2**40)
nonces = st.binary(min_size=8, max_size=8).map(bytes.hex)


@given(assignment_id=ids, nonce=nonces)
def test_a_token_reads_back_its_claims(assignment_id, nonce):
    claims = links.read_token(_token(assignment_id, nonce), secret_keys=KEYS)
    assert (claims.assignment_id, claims.nonce) == (assignment_id, nonce)


@given(assignment_id=ids, nonce=nonces, data=st.data())
def test_any_mutation_of_a_token_is_refused(assignment_id, nonce, data):
    token = _token(assignment_id, nonce)
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "swap", "case"]))
    i = data.draw(st.integers(0, len(token) - 1))
    if kind == "replace":
        mutated = token[:i] + data.draw(st.sampled_from(ALPHABET)) + token[i + 1:]
    elif kind == "insert":
        mutated = token[:i] + data.draw(st.sampled_from(ALPHABET)) + token[i:]
    elif kind == "delete":
        mutated = token[:i] + token[i + 1:]
    elif kind == "swap":
        j = data.draw(st.integers(0, len(token) - 1))
        chars = list(token)
        chars[i], chars[j] = chars[j], chars[i]
        mutated = "".join(chars)
    else:
        mutated = token[:i] + token[i].swapcase() + token[i + 1:]
    assume(mutated != token)
    with pytest.raises(links.LinkInvalid):
        links.read_token(mutated, secret_keys=KEYS)


@given(assignment_id=ids, nonce=nonces, other=st.text(min_size=1, max_size=40))
def test_a_token_signed_with_another_key_is_refused(assignment_id, nonce, other):
    assume(other != KEYS[0])
    forged = links.make_token(
        assignment=Assignment(id=assignment_id, link_nonce=nonce), secret_keys=[other]
    )
    with pytest.raises(links.LinkInvalid):
        links.read_token(forged, secret_keys=KEYS)


@given(text=st.text(max_size=80))
def test_arbitrary_text_is_never_a_valid_token(text):
    with pytest.raises(links.LinkInvalid):
        links.read_token(text, secret_keys=KEYS)


# --- SMS segments -------------------------------------------------------------------------

gsm_basic = st.text(alphabet=sorted(messages.GSM7_BASIC), max_size=500)
ucs2 = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
)


@given(text=gsm_basic)
def test_gsm7_text_costs_160_then_153_per_segment(text):
    segments = messages.count_segments(text)
    assert segments.encoding == "GSM-7" and segments.units == len(text)
    assert segments.count == (1 if len(text) <= 160 else math.ceil(len(text) / 153))


@given(text=gsm_basic, extension=st.text(alphabet=sorted(messages.GSM7_EXTENSION), max_size=50))
def test_gsm7_extension_characters_cost_two_septets(text, extension):
    segments = messages.count_segments(text + extension)
    assert segments.encoding == "GSM-7"
    assert segments.units == len(text) + 2 * len(extension)


@given(text=ucs2)
def test_anything_else_is_ucs2_counted_in_utf16_units(text):
    assume(any(ch not in messages.GSM7_BASIC | messages.GSM7_EXTENSION for ch in text))
    segments = messages.count_segments(text)
    units = len(text.encode("utf-16-le")) // 2
    assert segments.encoding == "UCS-2" and segments.units == units
    assert segments.count == (1 if units <= 70 else math.ceil(units / 67))


@given(text=ucs2, more=st.characters(codec="utf-8", exclude_categories=["Cs"]))
def test_adding_a_character_never_makes_a_text_cheaper(text, more):
    assert messages.count_segments(text + more).count >= messages.count_segments(text).count


@given(
    kind=st.sampled_from(list(messages.TEMPLATES)),
    number=st.integers(1, 999_999),
    year=st.integers(2025, 2099),
    deadline=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    assignment_id=st.integers(1, 10**9),
    nonce=nonces,
)
def test_every_real_text_fits_in_two_segments(kind, number, year, deadline, assignment_id, nonce):
    params = messages.parameters(
        kind, reference=f"AP-{year}-{number:06d}", deadline=deadline,
        token=_token(assignment_id, nonce),
    )
    text = messages.render(
        kind, signature="【12345热线】", params=params, base_url="https://panel.example.cn"
    )
    assert messages.count_segments(text).count <= 2
