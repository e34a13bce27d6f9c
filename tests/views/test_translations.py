"""The message catalogs: complete in Chinese, compilable, and the pages follow the locale."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "panel_service" / "translations"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _h1(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)


def test_every_message_has_a_chinese_translation():
    untranslated = [m.id for m in _catalog("zh") if m.id and not m.string]
    assert untranslated == []


def test_message_ids_are_english():
    """Ids are English (the en catalog falls back to them); the Chinese is in the zh catalog."""
    assert [m.id for m in _catalog("zh") if m.id and CJK.search(str(m.id))] == []


def test_translations_keep_the_placeholders():
    for message in _catalog("zh"):
        if message.id:
            names = set(re.findall(r"%\((\w+)\)", message.id))
            assert set(re.findall(r"%\((\w+)\)", message.string)) == names, message.id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_catalog_compiles(lang):
    catalog = _catalog(lang)
    assert not [error for _m, errors in catalog.check() for error in errors]
    write_mo(io.BytesIO(), catalog)


def test_the_login_page_in_both_languages(client):
    chinese = client.get("/login").get_data(as_text=True)
    assert _h1(chinese) == "登录" and '<html lang="zh-CN">' in chinese
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert _h1(english) == "Sign in" and '<html lang="en">' in english
    assert "Username" in english and "Password" in english and not CJK.search(english)
    by_header = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _h1(by_header.get_data(as_text=True)) == "Sign in"


def test_the_404_page_in_both_languages(client):
    chinese = client.get("/no-such-page")
    assert chinese.status_code == 404 and _h1(chinese.get_data(as_text=True)) == "页面不存在。"
    english = client.get("/no-such-page?lang=en")
    html = english.get_data(as_text=True)
    assert english.status_code == 404 and _h1(html) == "Page not found."
    assert "Error code 404." in html and not CJK.search(html)


def test_the_staff_appeal_list_in_both_languages(staff_client, appeal):
    chinese = staff_client.get("/staff/appeals").get_data(as_text=True)
    assert _h1(chinese) == "申诉列表" and "共 1 件" in chinese and "评议中" in chinese
    english = staff_client.get("/staff/appeals?lang=en").get_data(as_text=True)
    heading = _h1(english)
    assert heading == "Appeals" and not CJK.search(heading)
    for text in ("Submit an appeal", "Sign out", "Work order number", "Under review", "1 in all"):
        assert text in english


def test_the_staff_appeal_page_in_english(staff_client, appeal):
    html = staff_client.get(f"/staff/appeals/{appeal.reference}?lang=en").get_data(as_text=True)
    assert _h1(html) == f"Appeal {appeal.reference}"
    for text in ("Status:", "Under review", "Timeline", "Panel drawn", "Withdraw the appeal"):
        assert text in html
