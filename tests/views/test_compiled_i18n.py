"""Templates translated when compiled: the same bytes as gettext at render time, for less."""

from __future__ import annotations

import gettext

import pytest
from flask import template_rendered
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from panel_service.catalogs import LOCALES
from panel_service.views import compiled_i18n

from ..panelist_pages import OPINION, csrf_from, pledge, seats, vote


class Catalog(gettext.NullTranslations):
    def __init__(self, words: dict[str, str]):
        super().__init__()
        self.words = words

    def gettext(self, message):
        return self.words.get(message, message)

    ugettext = gettext


def compiled(source: str, words: dict[str, str]) -> Environment:
    base = Environment(loader=DictLoader({"t": source}), autoescape=True)
    base.add_extension("jinja2.ext.i18n")
    base.install_gettext_callables(
        lambda s: words.get(s, s), lambda s, p, n: s if n == 1 else p, newstyle=True
    )
    base.globals[compiled_i18n.FORMAT] = compiled_i18n.fill
    env = base.overlay(extensions=[compiled_i18n.CompiledGettext], cache_size=10)
    env.panel_catalog = Catalog(words)
    return env


WORDS = {
    "Hello": "你好",
    "Appeal %(ref)s": "申诉 %(ref)s",
    "100%% sure": "百分之百%%确定",
    "<strong>%(n)s</strong> open": "<strong>%(n)s</strong> 件在办",
    "Missing %(x)s": "缺 %(x)s",
}


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ('{{ _("Hello") }}', {}, "你好"),
        ('{{ _("Appeal %(ref)s", ref=r) }}', {"r": "<AP-1>"}, "申诉 &lt;AP-1&gt;"),
        ('{{ _("100%% sure") }}', {}, "百分之百%确定"),
        ('{{ _("<strong>%(n)s</strong> open", n=n) }}', {"n": 3}, "<strong>3</strong> 件在办"),
        ('{{ _(word) }}', {"word": "Hello"}, "你好"),  # not a literal: gettext at render time
        ('{{ o._("Hello") }}', {"o": {"_": lambda s: "attr:" + s}}, "attr:Hello"),
        ('{% set t = (("a", _("Hello")),) %}{{ t[0][1] }}', {}, "你好"),
        ('{{ _("Unknown words") }}', {}, "Unknown words"),
    ],
)
def test_a_compiled_template_says_what_gettext_would(source, context, expected):
    env = compiled(source, WORDS)
    assert env.get_template("t").render(context) == expected
    assert env.linked_to.get_template("t").render(context) == expected  # gettext, at runtime


def test_a_placeholder_without_a_value_is_left_to_gettext_at_render_time():
    env = compiled('{{ _("Missing %(x)s") }}', WORDS)
    with pytest.raises(KeyError):
        env.get_template("t").render()
    with pytest.raises(KeyError):
        env.linked_to.get_template("t").render()


def test_the_literal_is_gone_from_the_compiled_template():
    env = compiled('<p>{{ _("Hello") }}</p>', WORDS)
    code = env.compile(env.loader.get_source(env, "t")[0], raw=True)
    assert "你好" in code and "Hello" not in code


def test_fill_escapes_variables_under_autoescape_only():
    class Ctx:
        autoescape = True

    assert compiled_i18n.fill(Ctx(), "a %(x)s", x="<b>") == Markup("a &lt;b&gt;")
    Ctx.autoescape = False
    assert compiled_i18n.fill(Ctx(), "a %(x)s", x="<b>") == "a <b>"


# -- every panelist page, byte for byte ----------------------------------------------------


@pytest.fixture
def rendered(app):
    """Each panelist page rendered as served (compiled) and by gettext at render time."""
    pairs = []

    def seen(sender, template, context, **_extra):
        if template.name.startswith("panelist/"):
            runtime = sender.jinja_env.get_template(template.name).render(context)
            pairs.append((template.name, context.get("locale"), template.render(context), runtime))

    template_rendered.connect(seen, app)
    yield pairs
    template_rendered.disconnect(seen, app)


@pytest.mark.parametrize("lang", LOCALES)
def test_every_link_page_is_the_same_as_gettext_would_render_it(
    app, client, session, appeal, make_link, rendered, lang
):
    panel = seats(session, appeal)
    token, other = make_link(panel[0]), make_link(panel[1])
    q = f"?lang={lang}"
    client.get(f"/v/{token}{q}")  # the pledge
    form = pledge(client, token)
    client.get(f"/v/{token}/recuse{q}")
    client.post(f"/v/{token}{q}", data={"csrf_token": csrf_from(form), "vote": "agree"})
    client.post(f"/v/{token}{q}", data={"csrf_token": "forged", "vote": "x", "opinion": "短"})
    vote(client, token, form)
    client.get(f"/v/{token}{q}")  # the receipt
    client.get(f"/v/nope{q}")  # the dead link
    pledge(client, other)
    client.post(f"/v/{other}/recuse{q}", data={"csrf_token": csrf_from(form), "note": OPINION})
    names = {name for name, *_ in rendered}
    assert {"panelist/pledge.html", "panelist/vote.html", "panelist/recuse.html"} <= names
    assert {"panelist/receipt.html", "panelist/message.html"} <= names
    assert {locale for _name, locale, *_ in rendered} >= {lang}
    for name, locale, served, runtime in rendered:
        assert served == runtime, (name, locale)
