"""Languages of the pages: Polish by default, English by `?lang=en` or Accept-Language; labels fall back
to the other language when missing. UI strings live in one table."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request

LANGS = ("pl", "en")

UI: dict[str, dict[str, str]] = {
    "site": {"pl": "Bank Dobrych Praktyk", "en": "Good Practice Bank"},
    "tagline": {"pl": "Współpraca samorządów, organizacji pozarządowych i biznesu — otwarte dane powiązane",
                "en": "Cooperation of local governments, NGOs and businesses — linked open data"},
    "home": {"pl": "Strona główna", "en": "Home"},
    "browse": {"pl": "Przeglądaj", "en": "Browse"},
    "search": {"pl": "Szukaj", "en": "Search"},
    "map": {"pl": "Mapa praktyk", "en": "Map of practices"},
    "queries": {"pl": "Pytania", "en": "Questions"},
    "sparql": {"pl": "SPARQL", "en": "SPARQL"},
    "catalog": {"pl": "Katalog danych", "en": "Data catalogue"},
    "ontology": {"pl": "Ontologia", "en": "Ontology"},
    "data_formats": {"pl": "Dane w formatach", "en": "Data as"},
    "language": {"pl": "English", "en": "Polski"},
}


def choose_lang() -> str:
    asked = request.args.get("lang")
    if asked in LANGS:
        return asked
    best = request.accept_languages.best_match(LANGS)
    if best and request.headers.get("Accept-Language"):
        return best
    from flask import current_app

    return current_app.config["BDP"].lang


def t(key: str) -> str:
    entry = UI.get(key)
    if entry is None:
        return key
    return entry.get(g.get("lang", "pl")) or entry["pl"]


def pick(values: dict[str, str] | None, lang: str | None = None) -> str:
    """The text in the page's language, else the other one, else any."""
    if not values:
        return ""
    lang = lang or g.get("lang", "pl")
    for candidate in (lang, "pl" if lang == "en" else "en", ""):
        if values.get(candidate):
            return values[candidate]
    return next(iter(values.values()))


def init_app(app: Flask) -> None:
    @app.before_request
    def _lang() -> None:
        g.lang = choose_lang()

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"t": t, "pick": pick, "lang": g.get("lang", "pl")}
