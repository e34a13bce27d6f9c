"""Every stored value the pages name has its words, in Chinese and in English."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from panel_service import enums
from panel_service.messaging.clients.sms import BACKENDS
from panel_service.reports.exports import ROSTER_COLUMNS
from panel_service.views import labels

CJK = re.compile(r"[\u4e00-\u9fff]")
COVERED = {
    "appeal_status": enums.AppealStatus,
    "decision": enums.Decision,
    "vote": enums.VoteChoice,
    "seat_state": enums.AssignmentState,
    "outbox_status": enums.OutboxStatus,
    "message_kind": enums.MessageKind,
    "channel": enums.OutboxChannel,
    "audit_kind": enums.AuditKind,
    "role": enums.Role,
    "membership_change": enums.MembershipChange,
    "poor_response": enums.PoorResponse,
    "verdict": enums.Verdict,
    "roster_column": ROSTER_COLUMNS,
    "sms_provider": BACKENDS,
}


@pytest.mark.parametrize(
    ("table", "value"), [(t, v) for t, values in COVERED.items() for v in values]
)
def test_every_value_has_words_in_both_languages(app, table, value):
    with app.test_request_context():
        with force_locale("zh"):
            chinese = labels.label(table, value)
        with force_locale("en"):
            english = labels.label(table, value)
    assert value in labels.TABLES[table], (table, value)  # worded, not shown as its code
    assert CJK.search(chinese), (table, value, chinese)
    assert english and not CJK.search(english)


@pytest.mark.parametrize(
    ("actor", "chinese", "english"),
    [
        ("system", "系统", "The system"),
        ("panelist:7", "评价员 张伟", "Panelist 张伟"),
        ("panelist:8", "评价员 8", "Panelist 8"),  # no longer on the roster: its id
        ("staff:wang", "热线工作人员 wang", "Hotline staff wang"),
        ("api:hotline-platform", "热线平台（接口） hotline-platform",
         "Hotline platform (API) hotline-platform"),
        ("mallory", "mallory", "mallory"),  # not a kind of actor the service writes
    ],
)  # fmt: skip
def test_actors_are_named_in_words(app, actor, chinese, english):
    with app.test_request_context():
        with force_locale("zh"):
            assert labels.actor(actor, {7: "张伟"}) == chinese
        with force_locale("en"):
            assert labels.actor(actor, {7: "张伟"}) == english
