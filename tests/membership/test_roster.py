"""CSV import of the roster: UTF-8 and GBK, all rows or none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from panel_service.enums import Refusal
from panel_service.membership.roster import RosterInvalid, import_roster
from panel_service.models import Panelist

from .. import factories

HEADER = "name,mobile,category,affiliation,pledge_signed_on,term_start,term_end\n"
GOOD = (
    HEADER
    + "王建国,13907151234,cppcc,,2025-05-29,2025-06-01,2028-05-31\n"
    + "李秀英,139 0715 5678,government,HOUSING,2025-05-29,2025-06-01,2028-05-31\n"
)


def count(session):
    return session.exec(select(func.count()).select_from(Panelist)).one()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_good_files_import_in_each_encoding(session, department, now, encoding):
    result = import_roster(session=session, raw=GOOD.encode(encoding), actor="t", now=now)
    session.commit()
    assert len(result.added) == 2
    names = set(session.exec(select(Panelist.name)))
    assert names == {"王建国", "李秀英"}


def test_one_bad_row_imports_nothing_and_reports_each_line(session, department, now):
    bad = (
        GOOD
        + "张三,12345,cppcc,,,2025-06-01,2028-05-31\n"
        + "赵四,13907159999,star,,,x,2028-05-31\n"
    )
    with pytest.raises(RosterInvalid) as info:
        import_roster(session=session, raw=bad.encode(), actor="t", now=now)
    session.rollback()
    assert set(info.value.rows) == {4, 5}
    assert set(info.value.rows[5]) == {"category", "term_start"}
    assert count(session) == 0


def test_duplicate_rows_are_reported(session, department, now):
    dup = GOOD + "王二,+86 139-0715-1234,media,,,2025-06-01,2028-05-31\n"
    with pytest.raises(RosterInvalid) as info:
        import_roster(session=session, raw=dup.encode(), actor="t", now=now)
    session.rollback()
    assert info.value.rows == {4: {"mobile": "mobile_taken"}}
    assert count(session) == 0


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"name,mobile\n", Refusal.MISSING_COLUMNS),
        (HEADER.encode(), Refusal.NO_ROWS),
        (b"\xff\xfe\x00garbage\xff", Refusal.NOT_UTF8_OR_GBK),
    ],
)
def test_unusable_files_are_refused(session, now, raw, code):
    with pytest.raises(RosterInvalid) as info:
        import_roster(session=session, raw=raw, actor="t", now=now)
    assert info.value.code == code


def _refusal(session, now, raw, **kw):
    with pytest.raises(RosterInvalid) as info:
        import_roster(session=session, raw=raw, actor="t", now=now, **kw)
    session.rollback()
    assert count(session) == 0
    return info.value


def test_a_utf8_file_with_one_gbk_line_is_refused_with_that_line(session, department, now):
    # Decoded as GB18030 whole, the UTF-8 lines would come back as 鐜嬩簲 for 王五.
    raw = (
        HEADER.encode()
        + "王五,13907151234,cppcc,,,2025-06-01,2028-05-31\n".encode()
        + "赵六,13907155678,media,,,2025-06-01,2028-05-31\n".encode("gbk")
    )
    refused = _refusal(session, now, raw)
    assert (refused.code, refused.params) == (Refusal.MIXED_ENCODING, {"line": 3})


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused_with_their_line(
    session, department, now
):
    raw = GOOD.encode("gbk") + b"\x80\xff,13907159999,media,,,2025-06-01,2028-05-31\n"
    refused = _refusal(session, now, raw)
    assert (refused.code, refused.params) == (Refusal.NOT_UTF8_OR_GBK, {"line": 4})


@pytest.mark.parametrize(
    "header",
    ["name,mobile,category,mobile,term_start,term_end",
     "name,mobile,category,手机号码,term_start,term_end"],
)  # fmt: skip
def test_a_duplicated_column_is_refused(session, department, now, header):
    raw = f"{header}\n王五,13907151234,cppcc,13907155678,2025-06-01,2028-05-31\n".encode()
    refused = _refusal(session, now, raw, aliases={"手机号码": "mobile"})
    assert (refused.code, refused.params) == (Refusal.DUPLICATE_COLUMNS, {"columns": ["mobile"]})


def test_files_longer_than_the_cap_are_refused_before_any_row_is_added(session, department, now):
    rows = "".join(
        f"成员{n},1390715{n:04d},cppcc,,,2025-06-01,2028-05-31\n" for n in range(4)
    )
    refused = _refusal(session, now, (HEADER + rows).encode(), max_rows=3)
    assert (refused.code, refused.params) == (Refusal.TOO_MANY_ROWS, {"limit": 3})
    result = import_roster(
        session=session, raw=(HEADER + rows).encode(), actor="t", now=now, max_rows=4
    )
    assert len(result.added) == 4


def test_the_exports_text_mark_is_taken_off(session, department, now):
    raw = f"{HEADER}'=王五,'+8613907151234,cppcc,,,2025-06-01,2028-05-31\n".encode()
    import_roster(session=session, raw=raw, actor="t", now=now)
    session.commit()
    assert session.exec(select(Panelist.name, Panelist.mobile)).one() == (
        "=王五",
        "+8613907151234",
    )


@pytest.mark.parametrize(
    "body",
    [
        GOOD,
        GOOD + "王二,+86 139-0715-1234,media,,,2025-06-01,2028-05-31\n",  # the file's own twin
        GOOD + "张三,12345,cppcc,,,2025-06-01,2028-05-31\n"
        + "赵四,13907159999,star,,,x,2028-05-31\n"
        + "钱五,13907159999,media,,,2025-06-01,2028-05-31\n",
        HEADER + "孙六,13907151234,star,,,2025-06-01,2028-05-31\n"
        + "周七,13907151234,star,,,2025-06-01,2028-05-31\n",
    ],
)  # fmt: skip
def test_the_preview_refuses_what_the_import_would_and_writes_nothing(
    session, department, now, body
):
    from panel_service.membership.roster import check_rows, read_rows

    factories.PanelistFactory(mobile="+8613907159999")
    session.commit()
    rows = read_rows(body.encode())
    try:
        import_roster(session=session, raw=body.encode(), actor="t", now=now)
        expected = None
    except RosterInvalid as exc:
        expected = (exc.code, exc.rows)
    session.rollback()
    statements = []
    listen = sa.event.listen
    engine = session.get_bind()
    record = lambda *args: statements.append(args[2])  # noqa: E731
    listen(engine, "before_cursor_execute", record)
    try:
        check_rows(session=session, rows=rows)
        found = None
    except RosterInvalid as exc:
        found = (exc.code, exc.rows)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    session.rollback()
    assert found == expected
    assert statements
    assert all(s.lstrip().upper().startswith(("SELECT", "BEGIN")) for s in statements)
