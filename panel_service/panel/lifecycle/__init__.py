"""The life of an appeal and its seats: the only code that changes their states.

``draws`` seats a new appeal's panel (or continues a resubmitted work order's), ``votes``
holds the sealed votes, the decision and withdrawal; ``seats`` giving up seats (recusal,
vacating and the walk, deadlines, re-checks); ``locks`` what they share.

    appeal   open ──decide──> decided
             open ──stall───> stalled ──withdraw──> withdrawn
             open ──withdraw──────────────────────> withdrawn
    seat     pending ──vote───> voted
             pending ──recuse─> recused   ┐ and the next candidate in the published
             pending ──vacate─> replaced  ┘ order takes a new seat, or the appeal stalls
             pending ──close──> closed    (decided, withdrawn, or vacated while stalled)

Each transition locks what it changes, re-reads it under the lock, checks that the step is
allowed (``seating.refusal``), changes it, audits it and queues its side effects (texts,
webhooks) in the caller's transaction; the caller commits. Refusals raise ``Refused``.

Lock order, the same on every write path (PostgreSQL; SQLite runs whole transactions one at
a time with BEGIN IMMEDIATE):
  0. filing or moving an appeal only: the work order's row (appeals/ownership.py);
  1. membership changes only: the outbox row a receipt is about, then the panelist rows
     they update, ascending id;
  2. appeal rows, ascending id (SELECT ... FOR NO KEY UPDATE, re-read);
  3. that appeal's seats, locked and re-read the same way;
  4. the audit append to the appeal's own chain, under the appeal lock already held;
  5. last, the membership chain, for events about members.
No path takes a lock of an earlier step while it holds one of a later step, and there is
no global lock: votes on different appeals never wait for each other.
"""

from .draws import draw_panel, draw_waiting, start
from .locks import LIVE, SYSTEM, Locked, SeatChange, lock, lock_appeal
from .seats import (
    RECUSAL_NOTE_MAX,
    expire_seats,
    recheck_members,
    recheck_seats,
    recuse,
    vacate_seat,
)
from .votes import OPINION_MAX, OPINION_MIN, clean_opinion, record_vote, withdraw_appeal

__all__ = [
    "LIVE", "OPINION_MAX", "OPINION_MIN", "RECUSAL_NOTE_MAX", "SYSTEM", "Locked", "SeatChange",
    "clean_opinion", "draw_panel", "draw_waiting", "expire_seats", "lock", "lock_appeal",
    "recheck_members", "recheck_seats", "record_vote", "recuse", "start", "vacate_seat",
    "withdraw_appeal",
]  # fmt: skip
