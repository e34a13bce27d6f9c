"""CSV import of the roster: UTF-8 and GBK, all rows or none."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from panel_service.enums import Refusal
from panel_service.membership.roster import RosterInvalid, import_roster
from panel_service.models import Panelist

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
