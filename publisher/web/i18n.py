"""Languages of the pages: Polish by default, English available. One string catalogue (gettext, through
Flask-Babel): the texts are written in English in the code and templates (`_("Search")`) and translated in
publisher/web/translations/{pl,en}/LC_MESSAGES/messages.po; numbers and dates are formatted by Babel for
the page's locale, phone numbers by `phonenumbers`. See docs/i18n.md for adding a string.

The language is `?lang=` if given, else the `lang` cookie (set whenever `?lang=` chose it), else
Accept-Language, else the `lang` setting. Links built with url_for carry `lang` while the page is not in
the default language, so a shared link opens in the language it was copied in.

A page calls gettext and formats numbers hundreds of times: once the request's language is chosen, these
go straight to that language's catalogue and Babel locale, loaded once per process (`_language`), instead
of through Flask-Babel's per-call look-up of its request context; the texts are the same (Flask-Babel's own
functions answer whenever the language is not chosen yet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote_plus, urlencode

import flask_babel
import phonenumbers
from babel import Locale, dates, numbers, support
from flask import Flask, Response, current_app, g, has_app_context, request
from flask_babel import Babel
from jinja2 import Environment, pass_context, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGS = ("pl", "en")
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).parent / "translations"
# Endpoints whose URLs never carry the language (files that are the same in every language).
_NO_LANG = ("home.static", "pages.vendor", "pages.attachment", "home.favicon")


def N_(text: str) -> str:
    """Marks a text for the catalogue (pybabel extract -k N_) where it is translated later, by `label`."""
    return text


# Texts chosen by name at run time (a facet, a field of the record card, a section of the site).
NAMED: dict[str, str] = {
    "facet_theme": N_("Theme"), "facet_voivodeship": N_("Voivodeship"), "facet_unit_type": N_("Type of unit"),
    "facet_cross_sector": N_("Cross-sector partnership"), "facet_three_sector": N_("Three-sector partnership"),
    "facet_funding": N_("Funding source"), "facet_year": N_("Year entered"), "facet_sector": N_("Sector"),
    "yes": N_("yes"), "no": N_("no"),
    "browse": N_("Browse"), "search": N_("Search"), "map": N_("Map of practices"), "queries": N_("Questions"),
    "sparql": N_("SPARQL"), "catalog": N_("Data catalogue"), "ontology": N_("Ontology"),
    "shapes": N_("SHACL shapes"), "submit": N_("Propose a practice"),
    "attachments": N_("Attachments"), "publications": N_("Publications"),
    "practices": N_("Practices"), "organisations": N_("Organisations"),
    "rows": N_("rows"), "triples": N_("triples"),
    "entered": N_("Date entered"), "modified": N_("Last updated"), "unit_type": N_("Type of unit"),
    "town": N_("Town"), "voivodeship": N_("Voivodeship"), "postal_code": N_("Postal code"),
    "implementing_unit": N_("Implementing unit"), "street": N_("Street"), "websites": N_("Websites"),
    "population": N_("Population"), "teryt": N_("TERYT code"), "coordinates": N_("Coordinates"),
    "contacts": N_("Contacts"), "themes": N_("Themes"), "funding": N_("Funding sources"),
    # notes of a search (publisher/read/search.py)
    "note_shortened": N_("The query was too long: only its beginning was searched."),
    "note_too_many_words": N_("Only the first eight words of the query were searched."),
    "note_no_words": N_("The query has no words (letters or digits), so all practices are shown."),
}


# Where a page puts its own parts into frame.html, in order: the blocks of base.html and the switch's URL.
SLOTS = ("title", "head", "switch", "main", "footer", "scripts")
FRAMES = 256      # frames kept per language (one per site root, as home.py's header links)


class Frame(NamedTuple):
    """frame.html cut at its slots: the fixed markup base.html writes around a page's own parts."""

    before_title: Markup
    before_head: Markup
    before_switch: Markup
    before_main: Markup
    before_footer: Markup
    before_scripts: Markup
    end: Markup
    other: str         # the language the switch links to


def make_frame(environment: Environment, lang: str, site_links: Any) -> Frame:
    """frame.html in `lang`, rendered with a marker at each slot and cut there."""
    other = "en" if lang == "pl" else "pl"
    marks = {name: Markup(f"\x00{name}\x00") for name in SLOTS}
    text = environment.get_template("frame.html").render(lang=lang, site_links=site_links, other=other,
                                                          slot=marks)
    parts = text.split("\x00")
    if parts[1::2] != list(SLOTS):
        raise RuntimeError(f"frame.html must hold each of the slots {', '.join(SLOTS)} once, in that order")
    return Frame._make([*(Markup(part) for part in parts[0::2]), other])


@pass_context
def page_frame(context: Context) -> Frame:
    """The frame of a page whose language is not chosen yet (an early error): made for this page alone."""
    return make_frame(context.environment, context.get("lang", "pl"), context.get("site_links"))


@dataclass(frozen=True)
class Language:
    """One language's catalogue and Babel locale, as Flask-Babel would load them for a request in it, and
    the templates' _() and ngettext() bound to them (what Jinja's newstyle gettext does with Flask-Babel's
    callables: the text marked safe when escaping is on, then %-formatted with escaped variables)."""

    locale: Locale
    translations: support.Translations
    named: dict[str, str] = field(default_factory=dict)      # label(name), filled as asked
    numbers: dict[int | str, str] = field(default_factory=dict)   # number(n) of ints and numeric texts
    navs: dict[tuple, Markup] = field(default_factory=dict)         # nav_items(links), by the links
    texts: dict[tuple[str, bool], str] = field(default_factory=dict)   # _(text) without variables
    helpers: dict[str, Any] = field(default_factory=dict)       # what _helpers gives templates, made once
    frames: dict[tuple[str, int], tuple[Any, Frame]] = field(default_factory=dict)  # by lang, site links

    @pass_eval_context
    def jinja_gettext(self, eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
        if variables:
            found = self.translations.ugettext(string)
            return (Markup(found) if eval_ctx.autoescape else found) % variables
        # a page says the same few texts in every render: each made once (% with no variables included)
        key = (string, eval_ctx.autoescape)
        made = self.texts.get(key)
        if made is None:
            found = self.translations.ugettext(string)
            made = self.texts[key] = (Markup(found) if eval_ctx.autoescape else found) % variables
        return made

    @pass_context
    def page_frame(self, context: Context) -> Frame:
        """base.html's frame for the page's `lang` and `site_links` (home.py keeps one object per site
        root, so its identity is the key), made once; made again for every page while templates reload."""
        lang, links = context.get("lang", "pl"), context.get("site_links")
        if context.environment.auto_reload:
            return make_frame(context.environment, lang, links)
        found = self.frames.get(key := (lang, id(links)))
        if found is None or found[0] is not links:
            if len(self.frames) >= FRAMES:
                self.frames.clear()
            found = self.frames[key] = (links, make_frame(context.environment, lang, links))
        return found[1]

    @pass_eval_context
    def jinja_ngettext(self, eval_ctx: EvalContext, singular: str, plural: str, count: int, /,
                       **variables: Any) -> str:
        variables.setdefault("num", count)
        found = self.translations.ungettext(singular, plural, count)
        return (Markup(found) if eval_ctx.autoescape else found) % variables


def _language() -> Language | None:
    """The request's language (None before it is chosen, or outside a request: Flask-Babel decides). A
    page asks it tens of times: the answer is kept in `g` beside the `lang` it was found for (one look-up
    through the context proxy instead of three)."""
    if not has_app_context():
        return None
    names = g._get_current_object()
    lang = getattr(names, "lang", None)
    kept = getattr(names, "bdp_language", None)
    if kept is not None and kept[0] == lang:
        return kept[1]
    if lang is None:
        return None
    names.bdp_language = (lang, _loaded(lang))
    return names.bdp_language[1]


def _loaded(lang: str) -> Language:
    """`lang`'s catalogue and locale, loaded once per process and app."""
    languages = current_app.extensions.setdefault("bdp_languages", {})
    found = languages.get(lang)
    if found is None:
        locale = Locale.parse(lang)
        translations = support.Translations()
        for directory in flask_babel.get_babel().translation_directories:   # as Domain.get_translations
            catalog = support.Translations.load(directory, [locale], "messages")
            translations.merge(catalog)  # type: ignore[arg-type]  # (as Flask-Babel does)
            if hasattr(catalog, "plural"):
                translations.plural = catalog.plural
        found = languages[lang] = Language(locale, translations)
    return found


def gettext(text: str, **variables: Any) -> str:
    """flask_babel.gettext in the request's language."""
    language = _language()
    if language is None:
        return flask_babel.gettext(text, **variables)
    found = language.translations.ugettext(text)
    return found % variables if variables else found


def ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> str:
    """flask_babel.ngettext in the request's language; `num=` may be given apart from the count (the count
    as people read it, number(n)), as the templates' ngettext allows."""
    variables.setdefault("num", num)
    language = _language()
    translations = language.translations if language else flask_babel.get_translations()
    return translations.ungettext(singular, plural, num) % variables


def format_decimal(value: Any) -> str:
    """flask_babel.format_decimal in the request's language."""
    language = _language()
    if language is None:
        return flask_babel.format_decimal(value)
    if type(value) is not int and type(value) is not str:
        return numbers.format_decimal(value, locale=language.locale)
    found = language.numbers.get(value)
    if found is None:
        if len(language.numbers) >= 65536:     # counts and years repeat; a page's other numbers are few
            language.numbers.clear()
        found = language.numbers[value] = numbers.format_decimal(value, locale=language.locale)
    return found


def format_date(day: date, format: str) -> str:
    """flask_babel.format_date (no default formats are configured: Babel's named ones)."""
    language = _language()
    if language is None:
        return flask_babel.format_date(day, format)
    return dates.format_date(day, format, locale=language.locale)


def _template_gettext(text: str) -> str:
    language = _language()
    return language.translations.ugettext(text) if language else flask_babel.get_translations().ugettext(text)


@pass_context
def _macro_gettext(context: Context, string: str, /, **variables: Any) -> str:
    """The templates' _() where the context processor's is not seen (macros of an imported template): what
    Jinja's newstyle gettext makes of _template_gettext, through the language's texts once it is chosen."""
    language = _language()
    if language is not None:
        return language.jinja_gettext(context.eval_ctx, string, **variables)
    found = _template_gettext(string)
    return (Markup(found) if context.eval_ctx.autoescape else found) % variables


def _template_ngettext(singular: str, plural: str, num: int) -> str:
    language = _language()
    translations = language.translations if language else flask_babel.get_translations()
    return translations.ungettext(singular, plural, num)


def label(name: str) -> str:
    """The translated text named `name` (NAMED); an unknown name is returned as it is."""
    language = _language()
    if language is not None:
        found = language.named.get(name)
        if found is None:
            text = NAMED.get(name)
            found = language.named[name] = language.translations.ugettext(text) if text is not None else name
        return found
    text = NAMED.get(name)
    return gettext(text) if text is not None else name


def nav_items(links: list[tuple[str, str]]) -> Markup:
    """The header's `<li>` links (url, NAMED key) as the page's language writes them: the same on every
    page of a language and site root, so made once."""
    language = _language()
    found = language.navs.get(key := tuple(links)) if language is not None else None
    if found is None:
        found = Markup("".join(f'<li><a href="{escape(url)}">{escape(label(name))}</a></li>' for url, name in links))
        if language is not None:
            language.navs[key] = found
    return found


def choose_lang() -> str:
    # `in` first: werkzeug's MultiDict.get of a missing key builds (and catches) an HTTP exception
    args, cookies = request.args, request.cookies
    asked = args.get("lang") if "lang" in args else None
    if asked in LANGS:
        return asked
    kept = cookies.get(COOKIE) if COOKIE in cookies else None
    if kept in LANGS:
        return kept
    header = request.headers.get("Accept-Language")
    if header:
        best = _best_language(header)
        if best:
            return best
    return current_app.config["BDP"].lang


@lru_cache(maxsize=1024)
def _best_language(header: str) -> str | None:
    """request.accept_languages.best_match(LANGS) of an Accept-Language header: browsers send a few
    distinct ones, so each is parsed once."""
    return parse_accept_header(header, LanguageAccept).best_match(LANGS)


def link_lang() -> str | None:
    """The `lang` that links of this page carry: the page's language unless it is the default."""
    lang = g.get("lang")
    return lang if lang and lang != current_app.config["BDP"].lang else None


def switch_url(lang: str) -> str:
    """This page in `lang`: the same path and query string, `lang` replaced. A document's `.html` URL
    switches to the document's own URL (HTML for a browser), so that a static copy, which has one page a
    document and language, links the same way."""
    req = request._get_current_object()  # type: ignore[attr-defined]  # the proxy looked up once
    path = req.path
    if path.startswith("/doc/") and path.endswith(".html"):
        path = path.removesuffix(".html")
    if not req.query_string:      # most pages: what urlencode makes of `lang` alone
        return f"{req.script_root}{path}?lang={quote_plus(lang)}"
    args = [(k, v) for k, v in req.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return req.script_root + path + "?" + urlencode(args)


def pick(values: dict[str, str] | None, lang: str | None = None) -> str:
    """The text in the page's language, else the other one, else any."""
    return pick_lang(values, lang)[0]


def pick_lang(values: dict[str, str] | None, lang: str | None = None) -> tuple[str, str]:
    """(text, its language) in the page's language, else the other one, else any ('' when unknown)."""
    if not values:
        return "", ""
    lang = lang or g.get("lang", "pl")
    for candidate in (lang, "pl" if lang == "en" else "en", ""):
        if values.get(candidate):
            return values[candidate], candidate
    key = next(iter(values))
    return values[key], key


def in_lang(text: str, text_lang: str | None, page_lang: str | None = None) -> Markup:
    """`text` escaped, in a <span lang> when its language is known and differs from the page's."""
    page_lang = page_lang or g.get("lang", "pl")
    if text_lang and text_lang != page_lang:
        return Markup(f'<span lang="{escape(text_lang)}">{escape(text)}</span>')
    return escape(text)


def pick_html(values: dict[str, str] | None) -> Markup:
    """pick() as HTML: a fallback to the other language is marked with its `lang`."""
    text, text_lang = pick_lang(values)
    return in_lang(text, text_lang)


def number(value: Any) -> str:
    """A number grouped and punctuated for the page's locale (112495 -> '112 495' in Polish)."""
    try:
        return format_decimal(value)
    except (ValueError, TypeError, ArithmeticError):
        return str(value)


@lru_cache(maxsize=8192)
def phone(text: str) -> str:
    """A phone number as people write it (+48832573466 -> '+48 83 257 34 66'); unparseable: as given."""
    try:
        parsed = phonenumbers.parse(text, "PL")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def language_name(code: str) -> str:
    """'en' -> 'angielski' on a Polish page (Babel's CLDR names)."""
    return _language_name(code, g.get("lang", "pl"))


@lru_cache(maxsize=1024)
def _language_name(code: str, lang: str) -> str:
    try:
        return Locale.parse(code).get_display_name(lang) or code
    except (ValueError, TypeError):
        return code


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["BDP"].lang)
    Babel(app, locale_selector=lambda: g.get("lang") or app.config["BDP"].lang)
    # the templates' _() and ngettext() as Flask-Babel installs them, minus its look-up on every call
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True,
        pgettext=lambda c, s: flask_babel.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: flask_babel.get_translations().unpgettext(c, s, p, n))
    app.jinja_env.globals.update(_=_macro_gettext, gettext=_macro_gettext)

    @app.before_request
    def _lang() -> None:
        g.lang = choose_lang()

    @app.url_defaults
    def _lang_in_links(endpoint: str | None, values: dict[str, Any]) -> None:
        # lang="" asks for a URL without it (a base that the caller appends its own query string to)
        if values.get("lang") == "":
            values.pop("lang")
        elif values.get("lang") is None and endpoint not in _NO_LANG and not (endpoint or "").endswith(".static"):
            lang = link_lang()
            if lang:
                values["lang"] = lang

    @app.after_request
    def _keep(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGS and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=COOKIE_AGE, samesite="Lax", path=request.script_root or "/")
        if response.mimetype == "text/html":
            response.vary.add("Cookie")
        return response

    app.jinja_env.globals.update(pick=pick, pick_html=pick_html, label=label, number=number, phone=phone,
                                 in_lang=in_lang, language_name=language_name, nav_items=nav_items,
                                 page_frame=page_frame)

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        language = _language()
        if language is not None and language.helpers:     # the same for every page of the language
            return language.helpers
        helpers = {"lang": g.get("lang", "pl"), "switch_url": switch_url, "link_lang": link_lang()}
        if language is not None:     # a page's own _() calls skip the look-up (macros: _macro_gettext)
            helpers.update(_=language.jinja_gettext, gettext=language.jinja_gettext,
                           ngettext=language.jinja_ngettext, page_frame=language.page_frame)
            language.helpers.update(helpers)
        return helpers
