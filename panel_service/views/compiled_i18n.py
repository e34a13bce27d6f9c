"""Templates translated when they are compiled: one Jinja environment per locale.

Every ``{{ _("...") }}`` of a page is a gettext call at render time, through Jinja's
``Context.call`` three times over (the alias, the newstyle wrapper, the catalog); on the
panelist's vote page those twenty calls were the largest share of its rendering
(BENCHMARKS.md). The hot pages are rendered from an overlay of the app's environment per
locale instead, whose extension replaces each ``_("literal")`` by its translation as the
template is compiled, so the page's fixed text costs nothing per request. A call with
variables keeps them (``_("Appeal %(ref)s", ref=...)`` becomes the translated format string
filled at render time, escaped as the newstyle gettext escapes it); a call on anything but
one string literal is left to gettext at render time.

The compiled templates and their bytecode are kept per locale and per catalog content, so
a recompiled catalog is never served from a stale cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import (
    before_render_template,
    current_app,
    render_template,
    request,
    template_rendered,
)
from flask_babel import get_locale
from jinja2 import Environment, FileSystemBytecodeCache, pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from ..catalogs import LOCALES, TRANSLATIONS

# The rewriting below is part of what a compiled template is: bytecode made by any other
# version of this module is never loaded.
_REWRITER = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
FORMAT = "_translated"  # the global that fills a translated format string at render time


@pass_eval_context
def fill(eval_ctx, string: str, **variables) -> str:
    """What Jinja's newstyle gettext does once it has the translation: mark it safe under
    autoescape (the catalog is ours), then format it, escaping the variables."""
    if eval_ctx.autoescape:
        string = Markup(string)
    return string % variables


class CompiledGettext(Extension):
    """Rewrite ``_("literal")`` into the environment's translation of it."""

    def filter_stream(self, stream: TokenStream):
        catalog = self.environment.panel_catalog
        tokens = list(stream)  # compile time only: templates are small
        i = 0
        while i < len(tokens):
            if _literal_call(tokens, i):
                yield from _rewritten(tokens[i : i + 4], catalog)
                i += 4
            else:
                yield tokens[i]
                i += 1


def _literal_call(tokens: list[Token], i: int) -> bool:
    """Whether tokens[i:] start ``_("literal")`` or ``_("literal",`` (and not ``x._(``)."""
    window = tokens[i : i + 4]
    return (
        [t.type for t in window[:3]] == ["name", "lparen", "string"]
        and window[0].value == "_"
        and len(window) == 4
        and window[3].type in ("rparen", "comma")
        and (i == 0 or tokens[i - 1].type != "dot")
    )


def _rewritten(tokens: list[Token], catalog) -> list[Token]:
    name, lparen, literal, end = tokens
    translated = catalog.ugettext(literal.value)
    if end.type == "comma":  # variables follow: fill the translated format string then
        return [
            Token(name.lineno, "name", FORMAT),
            lparen,
            Token(literal.lineno, "string", translated),
            end,
        ]
    try:
        constant = translated % {}  # what the newstyle gettext would make of it
    except (KeyError, TypeError, ValueError):
        return tokens  # a placeholder with no value: let gettext fail or pass as it would
    line = literal.lineno
    return [
        Token(line, "lparen", "("),
        Token(line, "string", constant),
        Token(line, "pipe", "|"),
        Token(line, "name", "safe"),
        Token(line, "rparen", ")"),
    ]


def _catalog(directory: Path, locale: str):
    found = Translations.load(str(directory), [locale])
    return found if isinstance(found, Translations) else NullTranslations()


def _catalog_digest(directory: Path, locale: str) -> str:
    mo = directory / locale / "LC_MESSAGES" / "messages.mo"
    content = mo.read_bytes() if mo.exists() else b""
    return hashlib.sha256(content + _REWRITER.encode()).hexdigest()[:16]


def localized_environment(base: Environment, directory: Path, locale: str) -> Environment:
    """An overlay of ``base`` whose templates are translated into ``locale`` (from the
    catalogs in ``directory``) when compiled."""
    env = base.overlay(
        extensions=[CompiledGettext],
        cache_size=base.cache.capacity if base.cache is not None else 400,
        bytecode_cache=FileSystemBytecodeCache(
            pattern=f"__panel_{locale}_{_catalog_digest(directory, locale)}_%s.cache"
        ),
    )
    env.panel_catalog = _catalog(directory, locale)
    return env


def init_app(app) -> None:
    """Build one translated environment per locale (``app.extensions["compiled_i18n"]``),
    from the catalogs Flask-Babel reads."""
    directory = Path(app.config.get("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS))
    app.jinja_env.globals[FORMAT] = fill
    app.extensions["compiled_i18n"] = {
        locale: localized_environment(app.jinja_env, directory, locale) for locale in LOCALES
    }


def render(name: str, *, locale: str | None = None, **context) -> str:
    """Render the template ``name`` as compiled for the request's locale (Flask's
    render_template: context processors and signals as usual)."""
    compiled = template(current_app, locale or str(get_locale() or LOCALES[0]), name)
    return render_template(compiled, **context)


def render_lean(name: str, context: dict, *, locale: str) -> str:
    """Like ``render``, but with no context processors: the template gets ``request`` and
    what is in ``context``. For pages that use nothing the processors add (Flask-Login's loads the
    user on every render, Flask's adds the session). Flask's signals are sent as usual."""
    app = current_app._get_current_object()
    compiled = template(app, locale, name)
    context["request"] = request._get_current_object()
    before_render_template.send(app, _async_wrapper=app.ensure_sync, template=compiled,
                                context=context)  # fmt: skip
    rendered = compiled.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=compiled,
                           context=context)  # fmt: skip
    return rendered


def template(app, locale: str, name: str):
    """The template ``name`` as compiled for ``locale`` (the default locale's if unknown)."""
    envs = app.extensions["compiled_i18n"]
    return (envs.get(locale) or envs[LOCALES[0]]).get_template(name)


# The templates served from these environments: the landing page and the link pages.
HOT = ("index.html", "base.html", "panelist/")


def warm(app) -> None:
    """Compile every hot template for every locale now (gunicorn's master, before it forks
    its workers)."""
    for env in app.extensions["compiled_i18n"].values():
        for name in env.list_templates(filter_func=lambda name: name.startswith(HOT)):
            env.get_template(name)
