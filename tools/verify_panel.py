#!/usr/bin/env python3
"""Check the evaluation panel's public record yourself: python3 verify_panel.py BUNDLE

BUNDLE is a file or a URL of the JSON the service publishes at /public/bundle.json. This
file uses Python's standard library only and shares no code with the service: it is a
second implementation of the rules README publishes. It checks

  - every chain: positions 1, 2, ... each event linked to the one before and hashed right;
  - every checkpoint: its root from its chains, its Ed25519 signature (with the
    ``cryptography`` package when installed; otherwise it says they were not checked),
    and that today's chains still hold the heads the latest checkpoint signed;
  - every day's seed secret against its commitment, published before the appeals it seeds;
  - every draw: its seed from its day's secret and work order (or its predecessor's), the
    candidate order, the seats under the government quota, and every replacement and stall
    walked again, each candidate passed over for a reason that held then;
  - every sealed vote against the decision that opened it, and the 3-of-5 rule.

An appeal not decided yet shows only its draw receipt (``draws``: the draw and every change
to its panel, without their places in the chain): its draw is checked, its chain, seals and
votes are published, and checked, once it is decided. Withdrawn and stalled appeals were
never decided and stay that way.

It exits 0 only when everything holds; each failure names the appeal and the step.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import urllib.request
from datetime import date, datetime
from zoneinfo import ZoneInfo

FORMAT = "panel-bundle-v1"
GENESIS = "0" * 64
SEED_LABEL = b"panel-seed-v1\n"
SEAL_LABEL = "panel-seal-v1\n"
CHECKPOINT_LABEL = b"panel-checkpoint-v1\n"
GOVERNMENT = "government"


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Findings:
    def __init__(self):
        self.failures: list[str] = []
        self.notes: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.failures.append(f"FAIL {where}: {message}")

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"note {where}: {message}")


# -- the chains ----------------------------------------------------------------------------------


def event_hash(e: dict) -> str:
    names = ("at", "kind", "appeal", "actor", "data", "chain", "seq")
    fields = {"prev": e["prev_hash"], **{name: e[name] for name in names}}
    return sha256(canonical(fields).encode("utf-8"))


def check_chains(bundle: dict, out: Findings) -> None:
    for name, events in bundle["chains"].items():
        prev = GENESIS
        for position, event in enumerate(events, start=1):
            where = f"chain {name}, event {event.get('id')}"
            if event["seq"] != position:
                out.fail(
                    where,
                    f"is at position {event['seq']}, expected {position}: an event is missing",
                )
                break
            if event["prev_hash"] != prev:
                out.fail(where, "does not link to the event before it")
                break
            if event_hash(event) != event["hash"]:
                out.fail(where, "its content does not match its hash")
                break
            prev = event["hash"]


# -- checkpoints ---------------------------------------------------------------------------------


def merkle_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + merkle_root(leaves[:split]) + merkle_root(leaves[split:])
    ).digest()


def root_of(heads: dict) -> str:
    leaves = [canonical({"chain": c, "length": heads[c][0], "head": heads[c][1]}).encode("utf-8")
              for c in sorted(heads)]  # fmt: skip
    return merkle_root(leaves).hex()


def signature_ok(public_hex: str, message: bytes, signature: str) -> bool | None:
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(signature), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def check_checkpoints(bundle: dict, out: Findings, pinned_key: str | None) -> None:
    key = pinned_key or bundle.get("public_key")
    if pinned_key and bundle.get("public_key") and pinned_key != bundle["public_key"]:
        out.fail("checkpoints", "the bundle names another public key than the one you pinned")
    heads: dict = {}
    unchecked = False
    for cp in bundle.get("checkpoints", []):
        for chain, length, head in cp["changed"]:
            heads[chain] = (length, head)
        where = f"checkpoint {cp['id']}"
        if root_of(heads) != cp["root"] or len(heads) != cp["size"]:
            out.fail(where, "its chains do not give its root")
            continue
        message = CHECKPOINT_LABEL + canonical(
            {"at": cp["at"], "root": cp["root"], "size": cp["size"]}
        ).encode("utf-8")
        verdict = signature_ok(key, message, cp["signature"]) if key else None
        if verdict is False:
            out.fail(where, "its signature does not verify")
        unchecked = unchecked or verdict is None
    if unchecked and bundle.get("checkpoints"):
        out.note("checkpoints", "signatures were NOT checked (pip install cryptography)")
    for name, events in bundle["chains"].items():
        if name not in heads:
            continue
        length, head = heads[name]
        if len(events) < length:
            out.fail(
                f"chain {name}",
                f"the latest checkpoint signed {length} events, the record has {len(events)}:"
                " its tail was deleted",
            )
        elif length and events[length - 1]["hash"] != head:
            first = events[length - 1]
            out.fail(
                f"chain {name}",
                f"rewritten at or before event {first.get('id')} (position {length}):"
                " it differs from the latest checkpoint",
            )


# -- members over time ---------------------------------------------------------------------------


def local_day(at: str, zone: ZoneInfo) -> date:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(zone).date()


class Members:
    """Each member's facts over time, folded from the membership chain."""

    def __init__(self, events: list[dict]):
        self.events = [(e["at"], json.loads(e["data"])) for e in events
                       if e["kind"] in ("panelist.added", "panelist.changed")]  # fmt: skip

    def at(self, pid: int, moment: str) -> dict | None:
        state = None
        for at, data in self.events:
            if at > moment:
                break
            if data.get("panelist") != pid:
                continue
            facts = data.get("state", data)
            if state is None and "category" in facts and "term_start" in facts:
                state = {"active": True, "retired": False, "mobile_failing": False}
            if state is None:
                continue
            state.update({k: v for k, v in facts.items() if k in (
                "category", "affiliation", "term_start", "term_end", "pledge_signed_on",
                "active", "mobile_failing")})  # fmt: skip
            change = data.get("change")
            if change == "suspended":
                state["active"] = False
            elif change == "retired":
                state.update(active=False, retired=True)
            elif change == "activated":
                state["active"] = True
            if data.get("mobile_failing") is True:
                state["mobile_failing"] = True
        return dict(state) if state else None


# -- draws ---------------------------------------------------------------------------------------


def candidate_order(seed: bytes, pool: list[int]) -> list[int]:
    remaining, order, i = sorted(pool), [], 0
    while remaining:
        digest = hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        order.append(remaining.pop(int.from_bytes(digest, "big") % len(remaining)))
        i += 1
    return order


class Panel:
    """Who sits on one appeal as its steps are replayed."""

    def __init__(self, appeal: dict, quota: int, categories: dict, members: Members):
        self.department, self.quota = appeal["department"], quota
        self.categories, self.members = categories, members
        self.seated: set[int] = set()
        self.ever: set[int] = set()

    def category(self, pid, at):
        state = self.members.at(pid, at)
        return state["category"] if state else self.categories.get(pid)

    def why_not(self, pid: int, at: str, zone: ZoneInfo) -> str | None:
        if pid in self.ever:
            return "already_on_appeal"
        state = self.members.at(pid, at)
        if state is not None:
            today = local_day(at, zone).isoformat()
            pledge = state.get("pledge_signed_on")
            for reason, holds in (
                ("inactive", not state["active"]),
                ("out_of_term", not (state["term_start"] <= today <= state["term_end"])),
                ("no_pledge", not pledge or pledge > today),
                ("mobile_failing", state["mobile_failing"]),
                ("conflict", state.get("affiliation") == self.department),
            ):
                if holds:
                    return reason
        government = sum(self.category(p, at) == GOVERNMENT for p in self.seated)
        if self.category(pid, at) == GOVERNMENT and government >= self.quota:
            return "quota"
        return None

    def known(self, pid, at) -> bool:
        return self.members.at(pid, at) is not None


def check_walk(where, step, picked, order, position, panel, at, zone, out) -> int:
    if step["from_position"] != position:
        out.fail(
            where,
            f"starts at position {step['from_position']}, the walk before ended at {position}",
        )
    walked = order[step["from_position"] : step["to_position"]]
    stated = [p for p, _ in step["skipped"]] + picked
    if walked != stated:
        out.fail(where, f"the candidate order gives {walked}, the record says {stated}")
        return step["to_position"]
    for pid, reason in step["skipped"]:
        found = panel.why_not(pid, at, zone)
        if (
            found is None
            and not panel.known(pid, at)
            and reason not in ("already_on_appeal", "quota")
        ):
            out.note(where, f"member {pid} passed over as {reason}: no facts recorded to check")
        elif found != reason:
            out.fail(
                where, f"member {pid} was passed over as {reason}, but that did not hold ({found})"
            )
    for pid in picked:
        found = panel.why_not(pid, at, zone)
        if found is not None:
            out.fail(where, f"member {pid} was seated although {found}")
        panel.seated.add(pid)
        panel.ever.add(pid)
    return step["to_position"]


def check_appeals(bundle: dict, out: Findings, zone: ZoneInfo) -> None:
    epochs = {e["day"]: e for e in bundle["epochs"]}
    for e in bundle["epochs"]:
        if e["secret"] and sha256(bytes.fromhex(e["secret"])) != e["commitment"]:
            out.fail(f"epoch {e['day']}", "its secret does not match its commitment")
    membership = bundle["chains"].get("membership", [])
    committed = {}
    for event in membership:
        if event["kind"] == "epoch.committed":
            for item in json.loads(event["data"])["epochs"]:
                committed[item["day"]] = (item["commitment"], event["at"])
    members = Members(membership)
    draws: dict[str, dict] = {}
    undecided = {"open": 0, "never": 0}
    for appeal in bundle["appeals"]:
        events = bundle["chains"].get(appeal["chain"], [])
        if not events and appeal["chain"] in bundle.get("draws", {}):
            # Not decided: only its draw receipt is public, without its place in the chain.
            if appeal["status"] == "decided":
                out.fail(appeal["reference"], "decided, but its chain is not in the bundle")
                continue
            events = bundle["draws"][appeal["chain"]]
            undecided["open" if appeal["status"] in ("open", "drawing") else "never"] += 1
        if events:
            draws[appeal["reference"]] = check_appeal(appeal, events, epochs, committed, members,
                                                      draws, zone, out)  # fmt: skip
    if undecided["open"]:
        out.note(
            "bundle",
            f"{undecided['open']} open appeals: draw checked, votes not yet public"
            " (their chains are published, and checked, at the decision)",
        )
    if undecided["never"]:
        out.note(
            "bundle",
            f"{undecided['never']} withdrawn or stalled appeals: draw checked,"
            " their votes were never counted and are not published",
        )


def check_appeal(appeal, events, epochs, committed, members, draws, zone, out) -> dict:
    ref = appeal["reference"]
    parsed = [(e, json.loads(e["data"])) for e in events]
    created = next((e for e, _ in parsed if e["kind"] == "appeal.created"), None)
    drawn = [(e, d) for e, d in parsed if e["kind"] == "panel.drawn"]
    if created is None:
        out.fail(ref, "its chain has no appeal.created event")
        return {}
    if len(drawn) != 1:
        if appeal["status"] != "drawing" or drawn:
            out.fail(ref, f"expected one draw, found {len(drawn)}")
        return {}
    event, data = drawn[0]
    seed = bytes.fromhex(data["seed"])
    pool = [pid for pid, _ in data["pool"]]
    order = candidate_order(seed, pool)
    panel = Panel(appeal, data["government_quota"], {p: c for p, c in data["pool"]}, members)
    source = data.get("seed_source", "random")
    if source == "epoch":
        check_seed(ref, data, created, epochs, committed, zone, out)
        position = check_first_draw(ref, data, order, panel, out)
    elif source == "predecessor":
        position = check_continuation(ref, data, order, panel, draws, event["at"], zone, out)
    else:
        out.note(ref, "drawn before seeds were committed in advance: only the order is checked")
        position = check_first_draw(ref, data, order, panel, out)
    seals: dict[int, str] = {}
    held_at_withdrawal: set[int] = set()
    for e, d in parsed:
        where = f"{ref} {e['kind']}" + (f" (event {e['id']})" if "id" in e else "")
        if e["kind"] == "panel.replacement":
            panel.seated.discard(d["vacated_panelist"])
            position = check_walk(
                where, d, [d["picked"]], order, position, panel, e["at"], zone, out
            )
        elif e["kind"] == "appeal.stalled" and "walk" in d:
            panel.seated.discard(d["walk"]["vacated_panelist"])
            position = check_walk(where, d["walk"], [], order, position, panel, e["at"], zone, out)
        elif e["kind"] == "seat.closed":
            panel.seated.discard(d["panelist"])
        elif e["kind"] == "vote.recorded" and "seal" in d:
            seals[d["assignment"]] = d["seal"]
        elif e["kind"] == "appeal.decided":
            majority_of[ref] = data.get("majority")
            check_decision(where, ref, appeal, d, seals, data["panel_size"], out)
        elif e["kind"] == "appeal.withdrawn":
            held_at_withdrawal = set(panel.seated)
    return {"seed": data["seed"], "pool": data["pool"], "position": position,
            "held": held_at_withdrawal}  # fmt: skip


def check_seed(ref, data, created, epochs, committed, zone, out) -> None:
    day = data.get("epoch")
    registered_day = local_day(created["at"], zone).isoformat()
    if day != registered_day and not json.loads(created["data"]).get("predecessor"):
        out.fail(f"{ref} seed", f"drawn with day {day}'s seed but registered on {registered_day}")
    if day not in committed:
        out.fail(f"{ref} seed", f"day {day}'s commitment is not in the membership chain")
        return
    commitment, at = committed[day]
    if commitment != data["commitment"]:
        out.fail(f"{ref} seed", "the draw names another commitment than the one published")
    if at >= created["at"]:
        out.fail(f"{ref} seed", f"day {day}'s commitment was published after the appeal")
    secret = epochs.get(day, {}).get("secret")
    if not secret:
        out.note(
            f"{ref} seed", f"day {day}'s secret is not revealed yet: the seed is checked later"
        )
        return
    message = SEED_LABEL + data["work_order_no"].encode("utf-8")
    if data.get("beacon"):
        message += b"\n" + bytes.fromhex(data["beacon"]["randomness"])
    if hmac.new(bytes.fromhex(secret), message, hashlib.sha256).hexdigest() != data["seed"]:
        out.fail(
            f"{ref} seed", "the seed is not HMAC-SHA256 of its day's secret and its work order"
        )


def check_first_draw(ref, data, order, panel, out) -> int:
    picked, skipped, position, government = [], [], 0, 0
    categories = panel.categories
    for pid in order:
        if len(picked) == data["panel_size"]:
            break
        position += 1
        if categories[pid] == GOVERNMENT:
            if government >= data["government_quota"]:
                skipped.append([pid, "quota"])
                continue
            government += 1
        picked.append(pid)
    if picked != data["picked"] or skipped != data["skipped"] or position != data["position"]:
        out.fail(f"{ref} draw", f"the order gives {picked}, the record says {data['picked']}")
    panel.seated |= set(data["picked"])
    panel.ever |= set(data["picked"])
    return data["position"]


def check_continuation(ref, data, order, panel, draws, at, zone, out) -> int:
    before = draws.get(data["predecessor"])
    if before is None:
        out.note(f"{ref} draw", f"continues {data['predecessor']}, which is not in this bundle")
        position = data["from_position"]
    else:
        if (before["seed"], before["pool"]) != (data["seed"], data["pool"]):
            out.fail(
                f"{ref} draw", f"a resubmission must keep {data['predecessor']}'s seed and pool"
            )
        if not set(data["kept"]) <= before["held"]:
            out.fail(
                f"{ref} draw", f"kept {data['kept']}, but only {sorted(before['held'])} held seats"
            )
        position = before["position"]
    for pid in data["kept"]:
        found = panel.why_not(pid, at, zone)
        if found is not None:
            out.fail(f"{ref} draw", f"member {pid} kept a seat although {found}")
        panel.seated.add(pid)
        panel.ever.add(pid)
    # One walk per seat still to fill, each going on from where the last one stopped.
    where, skipped, picks = (
        f"{ref} continued draw",
        dict(map(tuple, data["skipped"])),
        list(data["picked"]),
    )
    walked = order[position : data["to_position"]]
    if (
        sorted(walked) != sorted(list(skipped) + picks)
        or [p for p in walked if p in picks] != picks
    ):
        out.fail(
            where,
            f"the candidate order gives {walked}, the record says {data['skipped']} then {picks}",
        )
        return data["to_position"]
    for pid in walked:
        found = panel.why_not(pid, at, zone)
        if pid in skipped and found != skipped[pid] and panel.known(pid, at):
            out.fail(
                where,
                f"member {pid} was passed over as {skipped[pid]}, but that did not hold ({found})",
            )
        elif pid not in skipped:
            if found is not None:
                out.fail(where, f"member {pid} was seated although {found}")
            panel.seated.add(pid)
            panel.ever.add(pid)
    return data["to_position"]


majority_of: dict[str, int | None] = {}


def seal_of(ref: str, item: dict) -> str:
    text = "\n".join(
        [ref, str(item["assignment"]), item["vote"], item["opinion_sha256"], item["salt"]]
    )
    return sha256((SEAL_LABEL + text).encode("utf-8"))


def check_decision(where, ref, appeal, data, seals, panel_size, out) -> None:
    opened = data.get("opened")
    if opened is None:
        out.note(where, "decided before votes were sealed: the seals are not checked")
        return
    if {o["assignment"] for o in opened} != set(seals):
        out.fail(where, "the seals opened are not the seals cast")
    for item in opened:
        if seals.get(item["assignment"]) != seal_of(ref, item):
            out.fail(where, f"seat {item['assignment']}'s seal does not open to the vote counted")
    agree = sum(o["vote"] == "agree" for o in opened)
    disagree = len(opened) - agree
    majority = majority_of.get(ref) or panel_size // 2 + 1
    decision = "upheld" if agree >= majority else "dismissed" if disagree >= majority else None
    if decision is None:
        out.fail(
            where, f"{agree}:{disagree} decides nothing under the {majority}-of-{panel_size} rule"
        )
    elif decision != data["decision"] or decision != appeal["decision"]:
        out.fail(where, f"the opened votes say {decision}, the record says {data['decision']}")
    if (data["agree"], data["disagree"]) != (agree, disagree):
        out.fail(
            where,
            f"the tally {data['agree']}:{data['disagree']} is not the opened {agree}:{disagree}",
        )


# -- the whole -----------------------------------------------------------------------------------


def load(source: str) -> dict:
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    with open(source, encoding="utf-8") as handle:
        return json.load(handle)


def check_mirrored(bundle: dict, mirrored: dict, out: Findings, pinned_key: str | None) -> None:
    """A checkpoint a mirror kept (with its full list of chains): the record must extend it."""
    where = f"mirrored checkpoint {mirrored.get('id')}"
    heads = {chain: (length, head) for chain, length, head in mirrored["chains"]}
    if root_of(heads) != mirrored["root"] or len(heads) != mirrored["size"]:
        out.fail(where, "its chains do not give its root")
        return
    key = pinned_key or bundle.get("public_key")
    message = CHECKPOINT_LABEL + canonical(
        {"at": mirrored["at"], "root": mirrored["root"], "size": mirrored["size"]}
    ).encode("utf-8")
    if key and signature_ok(key, message, mirrored["signature"]) is False:
        out.fail(where, "its signature does not verify")
    for name, events in bundle["chains"].items():
        if name in heads and heads[name][0]:
            length, head = heads[name]
            if len(events) < length:
                out.fail(
                    f"{where}, chain {name}",
                    f"signed {length} events; the record has {len(events)}",
                )
            elif events[length - 1]["hash"] != head:
                out.fail(
                    f"{where}, chain {name}",
                    f"the record was rewritten at or before position {length}",
                )


def verify(bundle: dict, *, pinned_key: str | None = None, mirrored: list[dict] = ()) -> Findings:
    out = Findings()
    if bundle.get("format") != FORMAT:
        out.fail("bundle", f"not a {FORMAT} bundle")
        return out
    zone = ZoneInfo(bundle.get("timezone", "Asia/Shanghai"))
    check_chains(bundle, out)
    check_checkpoints(bundle, out, pinned_key)
    check_appeals(bundle, out, zone)
    for old in mirrored:
        check_mirrored(bundle, old, out, pinned_key)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="a file, or the URL of /public/bundle.json")
    parser.add_argument("--key", help="the public key you trust (hex), not the bundle's own")
    parser.add_argument(
        "--checkpoint", action="append", default=[],
        help="a checkpoint you kept (from /public/checkpoints/<id>): the record must extend it",
    )  # fmt: skip
    args = parser.parse_args(argv)
    mirrored = [load(source) for source in args.checkpoint]
    findings = verify(load(args.bundle), pinned_key=args.key, mirrored=mirrored)
    for line in findings.notes + findings.failures:
        print(line)
    if findings.failures:
        print(f"{len(findings.failures)} problems: the record does NOT verify")
        return 1
    print("the record verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
