"""Panel administration pages: roster, import with preview, membership, rotation, health."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from openpyxl import load_workbook
from sqlmodel import func, select

from panel_service.enums import AssignmentState
from panel_service.models import Assignment, Panelist

from .. import factories

GOOD_CSV = (
    "name,mobile,category,affiliation,pledge_signed_on,term_start,term_end\n"
    "王建国,13907151234,cppcc,,2025-05-29,2025-06-01,2028-05-31\n"
    "李秀英,139 0715 5678,government,HOUSING,2025-05-29,2025-06-01,2028-05-31\n"
)


def csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def reread(session):
    """Start a fresh read: end the snapshot (SQLite) and forget loaded rows."""
    session.rollback()
    session.expire_all()


def count(session, model=Panelist):
    reread(session)
    return session.exec(select(func.count()).select_from(model)).one()


def test_roster_lists_members_and_exports(admin_client, pool):
    page = admin_client.get("/admin/panelists")
    assert page.status_code == 200
    assert pool[0].name in page.get_data(as_text=True)
    exported = admin_client.get("/admin/panelists/export.csv")
    assert exported.mimetype == "text/csv"
    assert exported.data.decode("utf-8-sig").count("\n") == 21
    sheet = load_workbook(io.BytesIO(admin_client.get("/admin/panelists/export.xlsx").data)).active
    assert sheet.max_row == 21


@pytest.mark.parametrize(
    "url", ["/admin/panelists/export.csv", "/admin/stats/appeals_per_month.csv"]
)
def test_a_csv_download_names_one_charset(admin_client, pool, url):
    exported = admin_client.get(url)
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.headers["Content-Disposition"].startswith("attachment;")


def test_an_exported_roster_imports_again_with_its_mobiles(admin_client, session, department):
    factories.PanelistFactory(name="=王建国", mobile="+8613907151234")
    session.commit()
    exported = admin_client.get("/admin/panelists/export.csv").data
    session.execute(Panelist.__table__.delete())
    session.commit()
    token = csrf(admin_client, "/admin/panelists/import")
    content = re.search(
        r'id="content" name="content" type="hidden" value="([^"]+)"',
        admin_client.post(
            "/admin/panelists/import",
            data={"csrf_token": token, "file": (io.BytesIO(exported), "roster.csv")},
        ).get_data(as_text=True),
    ).group(1)
    admin_client.post(
        "/admin/panelists/import/confirm", data={"csrf_token": token, "content": content}
    )
    reread(session)
    member = session.exec(select(Panelist)).one()
    assert (member.name, member.mobile) == ("=王建国", "+8613907151234")


def test_add_panelist_form_keeps_input_on_error_then_saves(admin_client, session, department):
    token = csrf(admin_client, "/admin/panelists/new")
    form = {
        "csrf_token": token,
        "name": "赵敏",
        "mobile": "12345",
        "category": "media",
        "affiliation": "",
        "pledge_signed_on": "2025-05-29",
        "term_start": "2025-06-01",
        "term_end": "2028-05-31",
    }
    bad = admin_client.post("/admin/panelists/new", data=form)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="赵敏"' in html and 'value="12345"' in html and "不是有效的电话号码" in html
    assert count(session) == 0
    good = admin_client.post("/admin/panelists/new", data={**form, "mobile": "13907150000"})
    assert good.status_code == 302
    reread(session)
    assert session.exec(select(Panelist.mobile)).one() == "+8613907150000"


def test_edit_keeps_the_affiliation_and_changes_fields(admin_client, session, department):
    member = factories.PanelistFactory(category="government", affiliation_id=department.id)
    session.commit()
    url = f"/admin/panelists/{member.id}/edit"
    html = admin_client.get(url).get_data(as_text=True)
    assert 'value="HOUSING" selected' in html or 'selected value="HOUSING"' in html
    token = csrf(admin_client, url)
    response = admin_client.post(
        url,
        data={
            "csrf_token": token,
            "name": "新名字",
            "mobile": member.mobile,
            "category": "government",
            "affiliation": "HOUSING",
            "pledge_signed_on": "2025-05-29",
            "term_start": "2025-06-01",
            "term_end": "2029-05-31",
        },
    )
    assert response.status_code == 302
    reread(session)
    assert (
        session.get(Panelist, member.id).name,
        str(session.get(Panelist, member.id).term_end),
    ) == (
        "新名字",
        "2029-05-31",
    )


def test_suspending_a_seated_member_replaces_their_seat(admin_client, session, appeal):
    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    session.rollback()
    url = f"/admin/panelists/{seat.panelist_id}"
    token = csrf(admin_client, url)
    response = admin_client.post(f"{url}/suspend", data={"csrf_token": token})
    assert response.status_code == 302
    reread(session)
    assert session.get(Assignment, seat.id).state == AssignmentState.REPLACED
    assert not session.get(Panelist, seat.panelist_id).active


def test_membership_change_without_csrf_is_refused(admin_client, pool):
    assert admin_client.post(f"/admin/panelists/{pool[0].id}/retire").status_code == 400


def test_import_previews_then_imports_all(admin_client, session, department):
    token = csrf(admin_client, "/admin/panelists/import")
    preview = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(GOOD_CSV.encode("gbk")), "roster.csv")},
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "王建国" in html and "李秀英" in html
    assert count(session) == 0  # the preview stores nothing
    content = re.search(r'id="content" name="content" type="hidden" value="([^"]+)"', html).group(1)
    confirm = admin_client.post(
        "/admin/panelists/import/confirm", data={"csrf_token": token, "content": content}
    )
    assert confirm.status_code == 302
    assert count(session) == 2


def test_import_with_bad_rows_shows_each_error_and_offers_no_import(
    admin_client, session, department
):
    token = csrf(admin_client, "/admin/panelists/import")
    bad = GOOD_CSV + "张三,12345,cppcc,,,2025-06-01,2028-05-31\n"
    response = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "roster.csv")},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "手机号码：不是有效的电话号码" in html and "/admin/panelists/import/confirm" not in html
    assert count(session) == 0


def test_rotation_page_and_action(admin_client, session, appeal):
    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    newcomer = factories.PanelistFactory(active=False, name="候补甲")
    session.commit()
    page = admin_client.get("/admin/rotation")
    assert page.status_code == 200 and "候补甲" in page.get_data(as_text=True)
    token = csrf(admin_client, "/admin/rotation")
    response = admin_client.post(
        "/admin/rotation",
        data={
            "csrf_token": token,
            "retire": [str(seat.panelist_id)],
            "activate": [str(newcomer.id)],
        },
    )
    assert response.status_code == 302
    reread(session)
    assert session.get(Panelist, newcomer.id).active
    assert session.get(Panelist, seat.panelist_id).retired_on is not None
    assert session.get(Assignment, seat.id).state == AssignmentState.REPLACED


def test_rotation_warns_about_small_pools(admin_client, session, department):
    factories.PanelistFactory.create_batch(6)
    session.commit()
    html = admin_client.get("/admin/rotation").get_data(as_text=True)
    assert department.name in html


@pytest.mark.parametrize("sort", ["name", "votes", "median_hours_to_vote", "bogus"])
def test_health_table_sorts(admin_client, appeal, sort):
    response = admin_client.get(f"/admin/health?sort={sort}&dir=desc")
    assert response.status_code == 200


def test_panelist_page_shows_history_without_citizen_text(admin_client, session, appeal):
    seat = session.exec(select(Assignment).where(Assignment.appeal_id == appeal.id)).first()
    session.rollback()
    html = admin_client.get(f"/admin/panelists/{seat.panelist_id}").get_data(as_text=True)
    assert appeal.reference in html
    assert appeal.citizen_request not in html


@pytest.mark.parametrize(
    ("raw", "chinese", "english"),
    [
        (b"name,mobile\n", "缺少列：", "missing columns"),
        (GOOD_CSV.split("\n")[0].encode() + b"\n", "文件中没有任何行", "no rows"),
        (b"\xff\xfe\x00garbage\xff", "既不是 UTF-8 也不是 GBK", "neither UTF-8"),
    ],
)
def test_an_unusable_roster_file_is_refused_in_chinese(admin_client, raw, chinese, english):
    token = csrf(admin_client, "/admin/panelists/import")
    response = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(raw), "roster.csv")},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and chinese in html and english not in html


def test_bad_rows_are_reported_in_chinese_with_chinese_column_names(admin_client, department):
    token = csrf(admin_client, "/admin/panelists/import")
    bad = GOOD_CSV + "张三,12345,cppcc,,,2025-06-01,2028-05-31\n"
    html = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "roster.csv")},
    ).get_data(as_text=True)
    assert "1 行有错误，未导入任何成员" in html and "rows have errors" not in html
    assert "手机号码：不是有效的电话号码" in html and "mobile:" not in html


@pytest.mark.parametrize(
    ("lang", "header"),
    [
        ("zh", "编号,姓名,手机号码,类别,所在单位,保密承诺签署日期,"
               "任期开始,任期结束,在册,号码失效时间"),
        ("en", "ID,Name,Mobile number,Category,Affiliation,Pledge signed on,Term starts,"
               "Term ends,Active,Number failing since"),
    ],
)  # fmt: skip
def test_the_roster_export_has_worded_headers_and_imports_again(
    admin_client, session, department, lang, header
):
    factories.PanelistFactory(name="王建国")
    session.commit()
    exported = admin_client.get(f"/admin/panelists/export.csv?lang={lang}").data.decode("utf-8-sig")
    lines = exported.splitlines()
    assert lines[0] == header and lines[1].endswith(("是,", "yes,"))
    sheet = load_workbook(
        io.BytesIO(admin_client.get(f"/admin/panelists/export.xlsx?lang={lang}").data)
    ).active
    assert ",".join(c.value for c in sheet[1]) == header
    again = f"{lines[0]}\n,李秀英,13907155678,media,,,2025-06-01,2028-05-31,,\n"
    token = csrf(admin_client, "/admin/panelists/import")
    preview = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(again.encode()), "roster.csv")},
    )
    assert preview.status_code == 200 and "李秀英" in preview.get_data(as_text=True)


def test_the_preview_parses_with_no_transaction_open(
    admin_client, session, department, monkeypatch, inspect_engine
):
    """While the file is read, the request holds no transaction: on SQLite another
    connection can write (a preview used to hold the write lock from the sign-in check on)."""
    import sqlalchemy as sa

    from panel_service.db import get_session
    from panel_service.views.admin import roster as view

    seen = []
    parse = view.read_rows

    def watched(*args, **kwargs):
        seen.append(get_session().in_transaction())
        try:
            with inspect_engine.begin() as other:
                if other.dialect.name == "sqlite":
                    other.exec_driver_sql("PRAGMA busy_timeout = 0")  # fail at once, not wait
                other.execute(sa.text("UPDATE department SET name = name"))
        except sa.exc.OperationalError as exc:  # "database is locked"
            seen.append(str(exc.orig))
        return parse(*args, **kwargs)

    monkeypatch.setattr(view, "read_rows", watched)
    token = csrf(admin_client, "/admin/panelists/import")
    preview = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(GOOD_CSV.encode()), "roster.csv")},
    )
    assert preview.status_code == 200 and "王建国" in preview.get_data(as_text=True)
    assert seen == [False]


def test_a_file_over_the_row_cap_is_refused_with_the_cap(app, admin_client, department):
    app.config["PANEL_CONFIG"] = dataclasses.replace(app.config["PANEL_CONFIG"], ROSTER_MAX_ROWS=1)
    token = csrf(admin_client, "/admin/panelists/import")
    response = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(GOOD_CSV.encode()), "roster.csv")},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "超过 1 行" in html


def test_a_mixed_encoding_is_refused_with_the_line_in_chinese(admin_client, department):
    raw = GOOD_CSV.encode() + "赵六,13907159999,media,,,2025-06-01,2028-05-31\n".encode("gbk")
    token = csrf(admin_client, "/admin/panelists/import")
    response = admin_client.post(
        "/admin/panelists/import",
        data={"csrf_token": token, "file": (io.BytesIO(raw), "roster.csv")},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "第 4 行" in html and "鐜" not in html


def test_the_preview_writes_nothing_not_even_to_roll_it_back(app, admin_client, department):
    """Inserting every row (and its audit event) to undo it kept SQLite's write lock for as
    long as the rows took; the preview only reads."""
    import sqlalchemy as sa

    token = csrf(admin_client, "/admin/panelists/import")
    statements = []
    engine = app.extensions["panel_engine"]

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        preview = admin_client.post(
            "/admin/panelists/import",
            data={"csrf_token": token, "file": (io.BytesIO(GOOD_CSV.encode()), "roster.csv")},
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert preview.status_code == 200 and "李秀英" in preview.get_data(as_text=True)
    assert "SELECT" in statements
    assert not {"INSERT", "UPDATE", "DELETE", "SAVEPOINT"} & set(statements)
