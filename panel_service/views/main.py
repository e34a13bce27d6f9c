"""The landing page."""

from flask import Blueprint, render_template
from sqlmodel import func, select

from ..db import get_session
from ..enums import AppealStatus
from ..models import Appeal, Panelist

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Show what the service is and how busy the panel is."""
    session = get_session()
    open_appeals = session.exec(
        select(func.count()).select_from(Appeal).where(Appeal.status == AppealStatus.OPEN)
    ).one()
    active = session.exec(select(func.count()).select_from(Panelist).where(Panelist.active)).one()
    return render_template("index.html", open_appeals=open_appeals, active_panelists=active)
