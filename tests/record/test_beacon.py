"""The optional public beacon: the draw waits for the first round after registration."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from panel_service.appeals.submission import create_appeal
from panel_service.enums import AppealStatus
from panel_service.models import Appeal, Assignment, DrawEpoch
from panel_service.record.beacon import Beacon
from panel_service.record.keeping import RecordSettings
from panel_service.timeutil import local_date

from .. import factories

PERIOD = 30


class FakeDrand(BaseHTTPRequestHandler):
    """A drand HTTP API v2 chain: /info, and /rounds/N once round N is out."""

    genesis = 0
    latest = 0
    down = False

    def do_GET(self):  # noqa: N802 - the http.server interface
        if FakeDrand.down:
            self.send_error(503)
            return
        if self.path.endswith("/info"):
            return self._json({"genesis_time": FakeDrand.genesis, "period": PERIOD})
        number = int(self.path.rsplit("/", 1)[1])
        if number > FakeDrand.latest:
            self.send_error(404)
            return
        self._json({"round": number, "randomness": randomness(number), "signature": "00"})

    def _json(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def randomness(number: int) -> str:
    return hashlib.sha256(f"round {number}".encode()).hexdigest()


@pytest.fixture
def drand(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDrand)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v2/beacons/test"
    server.shutdown()
    server.server_close()
    FakeDrand.down = False


def test_an_appeal_waits_drawing_until_its_round_and_its_seed_mixes_it_in(
    session, pool, department, rules, now, drand, make_worker
):
    from dataclasses import replace

    FakeDrand.genesis = int(now.timestamp()) - 10 * PERIOD  # round 11 is out at `now`
    FakeDrand.latest = 11
    waiting = replace(rules, beacon=True)
    appeal = create_appeal(session=session, data=factories.appeal_input(), submitted_by="api:x",
                           rules=waiting, now=now)  # fmt: skip
    session.commit()
    assert appeal.status == AppealStatus.DRAWING
    assert session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).all() == []
    worker = make_worker(rules=waiting, record=RecordSettings(beacon=Beacon(drand, timeout=2)))
    # The first round after registration is 12, not out yet: the appeal keeps waiting.
    assert worker.run_once().counts["waiting for the beacon"] == 1
    FakeDrand.down = True
    assert worker.run_once().counts["waiting for the beacon"] == 1  # unreachable: no fallback
    FakeDrand.down, FakeDrand.latest = False, 12
    assert worker.run_once().counts["panels drawn with the beacon"] == 5
    session.rollback()  # end the read snapshot taken before the worker drew
    drawn = session.get(Appeal, appeal.id)
    assert (drawn.status, drawn.beacon_round, drawn.beacon_randomness) == (
        AppealStatus.OPEN, 12, randomness(12),
    )  # fmt: skip
    secret = bytes.fromhex(session.get(DrawEpoch, local_date(now)).secret)
    mixed = b"\n" + bytes.fromhex(randomness(12))
    message = b"panel-seed-v1\n" + appeal.work_order_no.encode() + mixed
    assert drawn.draw_seed == hmac.new(secret, message, hashlib.sha256).hexdigest()


def test_the_round_is_the_first_after_registration():
    from datetime import UTC, datetime

    from panel_service.record.beacon import ChainInfo

    info = ChainInfo(genesis_time=1_000_000, period=30)
    beacon = Beacon("http://unused")
    at = datetime.fromtimestamp(1_000_000 + 30 * 5, UTC)  # round 6 is emitted exactly then
    assert beacon.round_after(at, info) == 7
    assert beacon.round_after(at + timedelta(seconds=1), info) == 7
    assert beacon.round_after(at - timedelta(seconds=1), info) == 6
