"""tools/verify_panel.py, the outside verifier, on a generated history and on tampered copies.

The history is made through the domain as the service makes it: members added and changed,
appeals drawn from committed seeds, votes, recusals, non-responders replaced at their
deadline, a number reported unreachable, a withdrawal and its resubmission, decisions, the
days' secrets revealed and checkpoints signed. Then every kind of tampering the issue
names is applied to a copy of the bundle, and each must be refused with the right message.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from panel_service.appeals.submission import create_appeal
from panel_service.enums import AssignmentState
from panel_service.membership.changes import mark_number_failing, suspend_panelist
from panel_service.membership.panelists import PanelistInput, add_panelist
from panel_service.models import Appeal, Assignment, Department, Panelist
from panel_service.panel import lifecycle
from panel_service.panel.deadlines import settle_expired
from panel_service.panel.replay import replay_draw
from panel_service.record import checkpoints, epochs, public, verify
from panel_service.record.audit import verify_chain
from panel_service.rules import PanelRules

from . import factories

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2025, 9, 22, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
OPINION = "已核实部门办理过程,理由充分,意见如上。"
CATEGORIES = ["cppcc", "media", "enterprise"]


def _load_verifier():
    path = ROOT / "tools" / "verify_panel.py"
    spec = importlib.util.spec_from_file_location("verify_panel", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verifier = _load_verifier()


def _vote(session, seat, choice, at, rules):
    lifecycle.record_vote(
        session=session, assignment=seat, vote=choice, opinion=OPINION, rules=rules, now=at
    )
    session.commit()


def _pending(session, appeal):
    return session.exec(
        select(Assignment)
        .where(Assignment.appeal_id == appeal.id, Assignment.state == AssignmentState.PENDING)
        .order_by(Assignment.id)
    ).all()


@pytest.fixture
def history(engine, signing_key_file):
    """A month of the panel's life, with every kind of step; returns the bundle."""
    rules = PanelRules()
    signer = checkpoints.Signer.from_file(signing_key_file)
    with Session(engine, expire_on_commit=False) as session:
        factories.bind(session)
        housing = Department(code="HOUSING", name="市住房和城乡建设局")
        water = Department(code="WATER", name="市水务局")
        session.add_all([housing, water])
        session.flush()
        members = []
        for n in range(18):
            government = n % 6 == 0
            members.append(add_panelist(
                session=session, actor="admin:li",
                data=PanelistInput(
                    name=f"评议员{n}", mobile=f"139{n:08d}",
                    category="government" if government else CATEGORIES[n % 3],
                    affiliation="WATER" if government else None,
                    term_start=date(2025, 1, 1), term_end=date(2027, 12, 31),
                    pledge_signed_on=date(2025, 1, 1),
                ),
                now=START - timedelta(days=30),
            ))  # fmt: skip
        session.commit()
        at = START
        appeals = []
        for n in range(6):
            appeals.append(create_appeal(
                session=session, data=factories.appeal_input(department="HOUSING"),
                submitted_by="api:hotline", rules=rules, now=at + timedelta(hours=n),
            ))  # fmt: skip
            session.commit()
        first, second, third, fourth, fifth, sixth = appeals
        # Decided 3:1 upheld, with one recusal on the way.
        seats = _pending(session, first)
        lifecycle.recuse(session=session, assignment=seats[0], note="与当事人是邻居",
                         rules=rules, now=at + timedelta(hours=2))  # fmt: skip
        session.commit()
        seats = _pending(session, first)
        for seat, choice in zip(seats, ["agree", "disagree", "agree", "agree"], strict=False):
            _vote(session, seat, choice, at + timedelta(hours=3), rules)
        # Dismissed 0:3 after a member is suspended and a number fails.
        seats = _pending(session, second)
        suspend_panelist(session=session, panelist=session.get(Panelist, seats[0].panelist_id),
                         actor="admin:li", rules=rules, now=at + timedelta(hours=4))  # fmt: skip
        session.commit()
        seats = _pending(session, second)
        mark_number_failing(
            session=session, panelist_id=seats[1].panelist_id, error="21614: not a mobile",
            rules=rules, now=at + timedelta(hours=5),
        )  # fmt: skip
        session.commit()
        for seat in _pending(session, second)[:3]:
            _vote(session, seat, "disagree", at + timedelta(hours=6), rules)
        # Non-responders replaced at the deadline, then decided.
        for seat in _pending(session, third)[:2]:
            _vote(session, seat, "agree", at + timedelta(hours=7), rules)
        expiry = third.deadline + timedelta(minutes=1)
        settle_expired(session=session, appeal_id=third.id, rules=rules, now=expiry)
        session.commit()
        _vote(session, _pending(session, third)[0], "agree", expiry + timedelta(hours=1), rules)
        # Withdrawn, then the same work order resubmitted: its draw continues.
        _vote(session, _pending(session, fourth)[0], "agree", at + timedelta(hours=8), rules)
        lifecycle.withdraw_appeal(session=session, appeal=fourth, reason="部门撤回,补充材料",
                                  actor="staff:wang", now=at + timedelta(hours=9))  # fmt: skip
        session.commit()
        resubmitted = create_appeal(
            session=session,
            data=factories.appeal_input(department="HOUSING", work_order_no=fourth.work_order_no),
            submitted_by="api:hotline", rules=rules, now=at + timedelta(days=1),
        )
        session.commit()
        for seat in _pending(session, resubmitted)[:3]:
            _vote(session, seat, "disagree", at + timedelta(days=1, hours=1), rules)
        # Left open: a fifth with two votes; a sixth untouched.
        for seat in _pending(session, fifth)[:2]:
            _vote(session, seat, "agree", at + timedelta(hours=10), rules)
        # Later: the days are revealed and the record signed.
        later = START + timedelta(days=10)
        epochs.reveal_ended(session=session, now=later)
        checkpoints.write(session=session, signer=signer, now=later)
        session.commit()
        bundle = public.bundle(session=session, start=START - timedelta(days=1),
                               end=START + timedelta(days=5), public_raw=signer.public_raw,
                               now=later)  # fmt: skip
        assert resubmitted.predecessor_id == fourth.id
        assert {a.id for a in session.exec(select(Appeal))} >= {a.id for a in appeals}
        factories.bind(None)
        yield {"bundle": json.loads(json.dumps(bundle)), "session": session,
               "appeals": [*appeals, resubmitted], "public_raw": signer.public_raw}  # fmt: skip


def failures(bundle, **kw) -> list[str]:
    return verifier.verify(bundle, **kw).failures


def test_the_generated_history_verifies_inside_and_outside(history):
    session = history["session"]
    assert verify_chain(session=session).ok
    record = verify.against_checkpoints(session=session, public_raw=history["public_raw"])
    assert record.ok and record.checkpoints == 1, record.problems
    assert verify.cross_check(session=session) == []
    for appeal in history["appeals"]:
        replayed = replay_draw(session=session, appeal=appeal)
        assert replayed.ok, (appeal.reference, replayed.problems)
    findings = verifier.verify(history["bundle"])
    assert findings.failures == [], findings.failures
    published = [*history["bundle"]["chains"].values(), *history["bundle"]["draws"].values()]
    kinds = {e["kind"] for chain in published for e in chain}
    assert {"assignment.recused", "panel.replacement", "appeal.withdrawn", "appeal.decided",
            "vote.recorded", "epoch.committed", "epoch.revealed"} <= kinds  # fmt: skip


def test_the_command_line_exits_0_on_the_record_and_1_on_a_tampered_one(history, tmp_path, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(history["bundle"]), encoding="utf-8")
    tampered = copy.deepcopy(history["bundle"])
    tampered["chains"]["membership"].pop(3)
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    assert verifier.main([str(good)]) == 0
    assert "the record verifies" in capsys.readouterr().out
    assert verifier.main([str(bad)]) == 1
    assert "does NOT verify" in capsys.readouterr().out


def _rehash(bundle, chain):
    """Recompute a chain's hashes after a change, as someone rewriting history would."""
    prev = verifier.GENESIS
    for event in bundle["chains"][chain]:
        event["prev_hash"] = prev
        event["hash"] = verifier.event_hash(event)
        prev = event["hash"]


def _event(bundle, ref, kind):
    chain = next(a["chain"] for a in bundle["appeals"] if a["reference"] == ref)
    return chain, next(e for e in bundle["chains"][chain] if e["kind"] == kind)


def _edit(bundle, ref, kind, change):
    chain, event = _event(bundle, ref, kind)
    data = json.loads(event["data"])
    change(data)
    event["data"] = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    _rehash(bundle, chain)


@pytest.mark.parametrize(
    ("tampering", "message"),
    [
        ("seed_byte", "the seed is not HMAC-SHA256"),
        ("pick", "the order gives"),
        ("pool_member", "the order gives"),
        ("seal", "does not open to the vote counted"),
        ("vote", "does not open to the vote counted"),
        ("deleted_event", "an event is missing"),
        ("rehashed_chain", "differs from the latest checkpoint"),
        ("forged_checkpoint", "its signature does not verify"),
    ],
)
def test_each_kind_of_tampering_is_refused_with_its_message(history, tampering, message):
    bundle = copy.deepcopy(history["bundle"])
    first = history["appeals"][0].reference
    if tampering == "seed_byte":
        def flip_a_byte(d):
            d["seed"] = ("0" if d["seed"][0] != "0" else "1") + d["seed"][1:]
        _edit(bundle, first, "panel.drawn", flip_a_byte)
    elif tampering == "pick":
        _edit(bundle, first, "panel.drawn", lambda d: d["picked"].reverse())
    elif tampering == "pool_member":
        _edit(bundle, first, "panel.drawn", lambda d: d["pool"].pop())
    elif tampering == "seal":
        _edit(bundle, first, "vote.recorded", lambda d: d.update(seal="f" * 64))
    elif tampering == "vote":
        def flip(d):
            d["opened"][0]["vote"] = "disagree" if d["opened"][0]["vote"] == "agree" else "agree"
        _edit(bundle, first, "appeal.decided", flip)
    elif tampering == "deleted_event":
        chain, event = _event(bundle, first, "vote.recorded")
        bundle["chains"][chain].remove(event)
    elif tampering == "rehashed_chain":
        chain, event = _event(bundle, first, "link.revoked")
        event["actor"] = "panelist:999"
        _rehash(bundle, chain)
    elif tampering == "forged_checkpoint":
        cp = bundle["checkpoints"][-1]
        cp["signature"] = ("0" if cp["signature"][0] != "0" else "1") + cp["signature"][1:]
    found = failures(bundle)
    assert any(message in line for line in found), found
    assert found != failures(history["bundle"])


def test_a_pinned_key_refuses_a_bundle_signed_with_another(history, tmp_path):
    other = checkpoints.keygen(tmp_path / "other.pem")
    found = failures(history["bundle"], pinned_key=other.public_raw.hex())
    assert any("another public key" in line for line in found), found
    assert any("its signature does not verify" in line for line in found), found


def test_a_checkpoint_a_mirror_kept_is_checked_against_the_record(history):
    bundle = history["bundle"]
    kept = bundle["latest_checkpoint"]
    assert failures(bundle, mirrored=[kept]) == []
    rewritten = copy.deepcopy(bundle)
    chain, event = _event(rewritten, history["appeals"][1].reference, "link.revoked")
    event["actor"] = "admin:mallory"
    _rehash(rewritten, chain)
    rewritten["checkpoints"], rewritten["latest_checkpoint"] = [], None  # a fresh start, say
    found = failures(rewritten, mirrored=[kept])
    assert any("mirrored checkpoint" in line and "rewritten" in line for line in found), found


def test_undecided_appeals_show_their_draw_and_no_vote_and_still_verify(history, tmp_path, capsys):
    bundle = history["bundle"]
    fourth, fifth, sixth = history["appeals"][3:6]  # withdrawn with a vote; open, 2 votes; 0
    undecided = {f"appeal:{a.id}" for a in (fourth, fifth, sixth)}
    assert undecided == set(bundle["draws"]) and not undecided & set(bundle["chains"])
    for events in bundle["draws"].values():
        assert {e["kind"] for e in events} <= set(public.DRAW_KINDS)
        assert not {"seq", "prev_hash", "hash", "id"} & {k for e in events for k in e}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert verifier.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 open appeals: draw checked, votes not yet public" in out
    assert "1 withdrawn or stalled appeals: draw checked" in out


def test_an_undecided_appeals_draw_is_still_checked(history):
    bundle = copy.deepcopy(history["bundle"])
    fifth = history["appeals"][4]
    drawn = next(e for e in bundle["draws"][f"appeal:{fifth.id}"] if e["kind"] == "panel.drawn")
    data = json.loads(drawn["data"])
    data["picked"].reverse()
    drawn["data"] = json.dumps(data)
    found = failures(bundle)
    assert any(fifth.reference in line and "the order gives" in line for line in found), found


def test_a_decided_appeal_cannot_hide_its_votes_as_a_draw(history):
    bundle = copy.deepcopy(history["bundle"])
    first = history["appeals"][0]
    chain = f"appeal:{first.id}"
    events = bundle["chains"].pop(chain)
    bundle["draws"][chain] = [e for e in events if e["kind"] in public.DRAW_KINDS]
    found = failures(bundle)
    assert any(first.reference in line and "chain is not in the bundle" in line
               for line in found), found  # fmt: skip
