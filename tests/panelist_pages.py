"""Helpers shared by the tests of the panelist's link pages."""

from __future__ import annotations

import re

from sqlmodel import func, select

from panel_service.models import Assignment, AuditEvent

OPINION = "部门已按时更换路灯,市民不满意的是其他事项。"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# SQLite takes its write lock when a transaction begins, so every read here ends its
# transaction (commit keeps the loaded objects) before the app is asked for a page.


def seats(session, appeal):
    found = list(
        session.exec(
            select(Assignment).where(Assignment.appeal_id == appeal.id).order_by(Assignment.id)
        )
    )
    session.commit()
    return found


def count(session, kind):
    found = session.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind)
    ).one()
    session.commit()
    return found


def csrf_from(response) -> str:
    return CSRF.search(response.get_data(as_text=True))[1]


def text(response) -> str:
    return response.get_data(as_text=True)


def vote(client, token, form_page, choice="agree", opinion=OPINION, **extra):
    data = {"csrf_token": csrf_from(form_page), "vote": choice, "opinion": opinion, **extra}
    return client.post(f"/v/{token}", data=data)


def fresh(session, model, ident):
    session.expire_all()
    found = session.get(model, ident)
    session.commit()
    return found


def pledge(client, token):
    """Open the link, confirm the pledge and return the vote form."""
    page = client.get(f"/v/{token}")
    client.post(f"/v/{token}/pledge", data={"csrf_token": csrf_from(page)})
    return client.get(f"/v/{token}")
