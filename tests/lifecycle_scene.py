"""Every write path that can meet another on one appeal, as its users reach it over HTTP.

Each operation is prepared first (pages opened, pledges taken, CSRF tokens read) so that
the part a test interleaves is the one request that writes.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select
from twilio.request_validator import RequestValidator

from panel_service import timeutil
from panel_service.enums import OutboxStatus
from panel_service.models import Appeal, Assignment, OutboxMessage, Panelist

from .panelist_pages import OPINION, csrf_from

TWILIO_TOKEN = "twilio-test-auth-token"
RECEIPT_URL = "https://panel.example.cn/sms/status"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Scene:
    """One appeal and the people who can act on it, each with their own browser."""

    def __init__(self, *, app, session, appeal, make_link, make_user, sign_in):
        self.app, self.session, self.appeal = app, session, appeal
        self.engine = app.extensions["panel_engine"]
        self.make_link = make_link
        app.config["PANEL_CONFIG"].TWILIO_AUTH_TOKEN = TWILIO_TOKEN
        self.admin = sign_in(app.test_client(), make_user("admin-scene", "admin"))
        self.staff = sign_in(app.test_client(), make_user("staff-scene", "staff"))

    # -- reading ---------------------------------------------------------------------------

    def _reread(self) -> None:
        """End any read snapshot (touching a loaded row opens one on SQLite), forget rows."""
        self.session.rollback()
        self.session.expire_all()

    def seats(self) -> list[Assignment]:
        self._reread()
        found = list(
            self.session.exec(
                select(Assignment)
                .where(Assignment.appeal_id == self.appeal.id)
                .order_by(Assignment.id)
            )
        )
        self.session.commit()
        return found

    def fresh(self, model, ident):
        self._reread()
        found = self.session.get(model, ident)
        self.session.commit()
        return found

    def _token(self, client, url) -> str:
        return _CSRF.search(client.get(url).get_data(as_text=True))[1]

    # -- each write path, prepared: returns a callable that makes the one request ----------

    def vote(self, seat: Assignment, choice: str = "agree"):
        client, token = self.app.test_client(), self.make_link(seat)
        client.get(f"/v/{token}")
        page = client.get(f"/v/{token}")
        if b'name="vote"' not in page.data:
            client.post(f"/v/{token}/pledge", data={"csrf_token": csrf_from(page)})
            page = client.get(f"/v/{token}")
        data = {"csrf_token": csrf_from(page), "vote": choice, "opinion": OPINION}
        return lambda: client.post(f"/v/{token}", data=data)

    def recuse(self, seat: Assignment):
        client, token = self.app.test_client(), self.make_link(seat)
        data = {"csrf_token": self._token(client, f"/v/{token}/recuse"), "note": "与当事人相识"}
        return lambda: client.post(f"/v/{token}/recuse", data=data)

    def membership(self, panelist_id: int, action: str):
        url = f"/admin/panelists/{panelist_id}"
        data = {"csrf_token": self._token(self.admin, url)}
        return lambda: self.admin.post(f"{url}/{action}", data=data)

    def rotate(self, retire_id: int):
        data = {"csrf_token": self._token(self.admin, "/admin/rotation"), "retire": retire_id}
        return lambda: self.admin.post("/admin/rotation", data=data)

    def edit(self, panelist_id: int, **changes):
        panelist = self.fresh(Panelist, panelist_id)
        url = f"/admin/panelists/{panelist_id}/edit"
        affiliation = changes.pop("affiliation", None)
        data = {
            "csrf_token": self._token(self.admin, url),
            "name": panelist.name,
            "mobile": panelist.mobile,
            "category": str(panelist.category),
            "affiliation": affiliation or "",
            "pledge_signed_on": str(panelist.pledge_signed_on or ""),
            "term_start": str(panelist.term_start),
            "term_end": str(panelist.term_end),
            **changes,
        }
        return lambda: self.admin.post(url, data=data)

    def withdraw(self):
        reference = self.appeal.reference
        url = f"/staff/appeals/{reference}"
        data = {"csrf_token": self._token(self.staff, url), "reason": "部门撤回,材料有误"}
        return lambda: self.staff.post(f"{url}/withdraw", data=data)

    def sent(self, seat: Assignment, sid: str) -> None:
        """Mark the seat's invitation accepted by Twilio under ``sid``."""
        message = self.session.exec(
            select(OutboxMessage).where(OutboxMessage.assignment_id == seat.id)
        ).one()
        message.status, message.provider_ref, message.attempts = OutboxStatus.SENT, sid, 1
        message.sent_at = timeutil.now()
        self.session.add(message)
        self.session.commit()

    def failed_receipt(self, seat: Assignment, *, code: str = "21614"):
        """The seat's invitation is reported undeliverable for good (a bad number)."""
        sid = f"SMscene{seat.id:06d}"
        self.sent(seat, sid)
        params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": code,
                  "AccountSid": "AC" + "0" * 32}  # fmt: skip
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(RECEIPT_URL, params)
        client = self.app.test_client()
        return lambda: client.post(
            "/sms/status", data=params, headers={"X-Twilio-Signature": signature}
        )

    def number_already_failing(self, seat: Assignment) -> None:
        panelist = self.session.get(Panelist, seat.panelist_id)
        panelist.mobile_failing_since = timeutil.now() - timedelta(days=1)
        self.session.add(panelist)
        self.session.commit()

    def expire(self, seat: Assignment) -> None:
        """Move the seat's deadline into the past, so the next sweep replaces it."""
        row = self.session.get(Assignment, seat.id)
        row.deadline = timeutil.now() - timedelta(minutes=1)
        self.session.add(row)
        self.session.commit()

    def sweep(self, worker):
        from panel_service.messaging.worker import Report

        def run():
            report = Report()
            worker.sweep(report)
            return report

        return run

    def appeal_row(self) -> Appeal:
        return self.fresh(Appeal, self.appeal.id)
