"""Forcing one interleaving of two write paths, and the rules every panel must keep after it.

``Interleave`` watches the SQL of the thread that enters it and, at one exact statement
(by default the first row lock on an appeal), runs the other operation in a second thread:
either to completion just before that statement (the other path commits between our read
and our lock), or started just after it and left to run into our locks for a moment.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from panel_service.enums import AppealStatus, AssignmentState, AuditKind, PanelistCategory
from panel_service.models import Appeal, Assignment, AuditEvent, OutboxMessage, Panelist
from panel_service.panel import replay
from panel_service.record import audit

GOVERNMENT = PanelistCategory.GOVERNMENT
_APPEAL_LOCK = re.compile(r"\bFROM appeal\b(?!_).*\bFOR (NO KEY )?UPDATE", re.S | re.I)


def locks_appeal(statement: str) -> bool:
    """The statement takes a row lock on the appeal table."""
    return bool(_APPEAL_LOCK.search(statement))


class Interleave:
    """Run ``other`` once, at the first statement of this thread that ``when`` matches.

    ``mode="before"``: run it to completion just before the statement (waiting at most
    ``patience`` seconds, in case it has to wait for a lock this thread already holds).
    ``mode="during"``: start it just after the statement and give it ``patience`` seconds
    to run into this thread's locks before this thread goes on.
    """

    def __init__(
        self,
        engine: sa.Engine,
        other: Callable[[], object],
        *,
        mode: str = "before",
        when: Callable[[str], bool] = locks_appeal,
        patience: float = 0.6,
    ):
        assert mode in {"before", "during"}
        self.engine, self.other, self.mode, self.when = engine, other, mode, when
        self.patience = patience
        self.fired = False
        self.thread: threading.Thread | None = None
        self.result: object = None
        self.error: BaseException | None = None

    def _run_other(self) -> None:
        try:
            self.result = self.other()
        except BaseException as exc:  # reported by the test, never swallowed
            self.error = exc

    def _start(self) -> None:
        self.fired = True
        self.thread = threading.Thread(target=self._run_other, daemon=True)
        self.thread.start()

    def _before(self, conn, cursor, statement, params, context, executemany):
        if self._owned() and self.mode == "before" and self.when(statement):
            self._start()
            self.thread.join(self.patience)

    def _after(self, conn, cursor, statement, params, context, executemany):
        if self._owned() and self.mode == "during" and self.when(statement):
            self._start()
            time.sleep(self.patience)

    def _owned(self) -> bool:
        return not self.fired and threading.get_ident() == self.owner

    def __enter__(self) -> Interleave:
        self.owner = threading.get_ident()
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)
        if self.thread is not None:
            self.thread.join(60)
            assert not self.thread.is_alive(), "the other operation never finished"

    def outcome(self):
        """What the other operation returned; re-raises what it raised."""
        assert self.fired, "the interleaving point was never reached"
        if self.error is not None:
            raise self.error
        return self.result


def events(session: Session, appeal_id: int, kind: AuditKind) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.appeal_id == appeal_id, AuditEvent.kind == kind)
        )
    )


def webhook_events(session: Session, appeal_id: int) -> list[str]:
    import json

    rows = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.appeal_id == appeal_id, OutboxMessage.channel == "webhook"
        )
    )
    return sorted(json.loads(m.body)["event"] for m in rows)


def assert_panel_rules_hold(session: Session, appeal_id: int, *, quota: int, size: int) -> None:
    """Seats, quota, conflicts, the record and the replay of one appeal are all consistent."""
    session.rollback()  # end any snapshot taken before the operations under test
    session.expire_all()
    appeal = session.get(Appeal, appeal_id)
    seats = list(session.exec(select(Assignment).where(Assignment.appeal_id == appeal_id)))
    holders = {p.id: p for p in session.exec(
        select(Panelist).where(col(Panelist.id).in_([s.panelist_id for s in seats]))
    )}  # fmt: skip
    pending = [s for s in seats if s.state == AssignmentState.PENDING]
    voted = [s for s in seats if s.state == AssignmentState.VOTED]
    seated = pending + voted
    assert len(seated) <= size
    if appeal.status == AppealStatus.OPEN:
        assert len(seated) == size, f"an open appeal with {len(seated)} seats"
    else:
        assert appeal.status == AppealStatus.STALLED or not pending, "pending seats left"
    government = [s for s in seated if holders[s.panelist_id].category == GOVERNMENT]
    assert len(government) <= quota, "government quota broken"
    for seat in pending:
        holder = holders[seat.panelist_id]
        assert holder.active and holder.mobile_failing_since is None, "an ineligible holder"
        assert holder.affiliation_id != appeal.department_id, "a conflicted holder"
    terminal = {
        AppealStatus.DECIDED: AuditKind.DECISION,
        AppealStatus.STALLED: AuditKind.STALLED,
        AppealStatus.WITHDRAWN: AuditKind.WITHDRAWAL,
    }
    for status, kind in terminal.items():
        found = len(events(session, appeal_id, kind))
        if appeal.status == status:
            assert found == 1, f"{found} {kind} events on a {status} appeal"
        elif status != AppealStatus.STALLED:
            assert found == 0, f"{found} {kind} events on a {appeal.status} appeal"
    stalls = len(events(session, appeal_id, AuditKind.STALLED))
    assert stalls <= 1, f"{stalls} stall events"
    report = audit.verify_chain(session=session)
    assert report.ok, report
    replayed = replay.replay_draw(session=session, appeal=appeal)
    assert replayed.ok, replayed.problems
    session.commit()
