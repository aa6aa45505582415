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
    # search, facets, map, attachments (publisher/web/pages.py)
    "search_label": {"pl": "Szukaj praktyk", "en": "Search practices"},
    "search_hint": {"pl": "Tytuł, opis, organizacja lub miejscowość; dowolna forma słowa (giełdy, giełdę), "
                          "wielkość liter i polskie znaki nie mają znaczenia.",
                    "en": "Title, description, organisation or town, in Polish; any form of a word (giełdy, "
                          "giełdę), case and Polish letters do not matter."},
    "did_you_mean": {"pl": "Może chodziło o:", "en": "Did you mean:"},
    "try_each_word": {"pl": "Żadna praktyka nie zawiera wszystkich tych słów naraz. Szukaj każdego z osobna:",
                      "en": "No practice has all these words. Search for each of them alone:"},
    "note_shortened": {"pl": "Zapytanie było za długie: szukano tylko jego początku.",
                       "en": "The query was too long: only its beginning was searched."},
    "note_too_many_words": {"pl": "Szukano tylko pierwszych ośmiu słów zapytania.",
                            "en": "Only the first eight words of the query were searched."},
    "note_no_words": {"pl": "Zapytanie nie zawiera słów (liter ani cyfr), więc pokazano wszystkie praktyki.",
                      "en": "The query has no words (letters or digits), so all practices are shown."},
    "results": {"pl": "Wyniki", "en": "Results"},
    "found": {"pl": "Znalezione praktyki", "en": "Practices found"},
    "no_results": {"pl": "Brak praktyk spełniających warunki.", "en": "No practice matches."},
    "narrow": {"pl": "Zawęź wyniki", "en": "Narrow the results"},
    "selected_filters": {"pl": "Wybrane filtry", "en": "Selected filters"},
    "remove_filter": {"pl": "usuń filtr", "en": "remove filter"},
    "clear_all": {"pl": "Wyczyść wszystko", "en": "Clear all"},
    "facet_theme": {"pl": "Obszar tematyczny", "en": "Theme"},
    "facet_voivodeship": {"pl": "Województwo", "en": "Voivodeship"},
    "facet_unit_type": {"pl": "Typ jednostki", "en": "Unit type"},
    "facet_cross_sector": {"pl": "Partnerstwo międzysektorowe", "en": "Cross-sector partnership"},
    "facet_three_sector": {"pl": "Partnerstwo trzech sektorów", "en": "Three-sector partnership"},
    "facet_funding": {"pl": "Źródło finansowania", "en": "Funding"},
    "facet_year": {"pl": "Rok wprowadzenia", "en": "Year entered"},
    "yes": {"pl": "tak", "en": "yes"},
    "no": {"pl": "nie", "en": "no"},
    "page": {"pl": "Strona", "en": "Page"},
    "pages": {"pl": "Strony wyników", "en": "Result pages"},
    "previous": {"pl": "Poprzednia", "en": "Previous"},
    "next": {"pl": "Następna", "en": "Next"},
    "map_region": {"pl": "Mapa praktyk: strzałki przesuwają, + i − przybliżają", "en":
                   "Map of practices: arrows pan, + and − zoom"},
    "map_needs_js": {"pl": "Mapa wymaga JavaScriptu. Praktyki można przeglądać w wyszukiwarce, a ich "
                           "współrzędne pobrać jako GeoJSON.", "en": "The map needs JavaScript. The practices "
                           "can be browsed in the search, and their coordinates fetched as GeoJSON."},
    "map_loading": {"pl": "Wczytywanie praktyk…", "en": "Loading practices…"},
    "attachments": {"pl": "Załączniki", "en": "Attachments"},
    "publications": {"pl": "Publikacje", "en": "Publications"},
    # resource pages, /def/ and /browse (publisher/web/resources.py); the practice page follows the old
    # bank's "Skrót i Metryka"
    "summary": {"pl": "Skrót", "en": "Summary"},
    "description": {"pl": "Opis", "en": "Description"},
    "metric": {"pl": "Metryka", "en": "Record card"},
    "entered": {"pl": "Data wprowadzenia", "en": "Date entered"},
    "modified": {"pl": "Data aktualizacji", "en": "Last updated"},
    "unit_type": {"pl": "Typ jednostki", "en": "Type of unit"},
    "town": {"pl": "Miejscowość", "en": "Town"},
    "voivodeship": {"pl": "Województwo", "en": "Voivodeship"},
    "postal_code": {"pl": "Kod pocztowy", "en": "Postal code"},
    "implementing_unit": {"pl": "Jednostka realizująca", "en": "Implementing unit"},
    "street": {"pl": "Ulica", "en": "Street"},
    "websites": {"pl": "Strony internetowe", "en": "Websites"},
    "population": {"pl": "Liczba mieszkańców", "en": "Population"},
    "coordinates": {"pl": "Współrzędne", "en": "Coordinates"},
    "teryt": {"pl": "Kod TERYT", "en": "TERYT code"},
    "contacts": {"pl": "Osoby do kontaktu", "en": "Contacts"},
    "none_published": {"pl": "nie opublikowano", "en": "none published"},
    "phone": {"pl": "Telefon", "en": "Phone"},
    "email": {"pl": "E-mail", "en": "E-mail"},
    "themes": {"pl": "Obszary tematyczne", "en": "Themes"},
    "funding": {"pl": "Źródła finansowania", "en": "Funding"},
    "partners": {"pl": "Partnerzy", "en": "Partners"},
    "name": {"pl": "Nazwa", "en": "Name"},
    "sector": {"pl": "Sektor", "en": "Sector"},
    "role": {"pl": "Rola", "en": "Role"},
    "practice": {"pl": "Praktyka", "en": "Practice"},
    "practices": {"pl": "Praktyki", "en": "Practices"},
    "organisations": {"pl": "Organizacje", "en": "Organisations"},
    "also_in": {"pl": "Także w", "en": "Also in"},
    "lookup_several": {"pl": "Ten kod ma kilka zasobów:", "en": "Several resources carry this code:"},
    "in_all": {"pl": "razem", "en": "in all"},
    "links_in": {"pl": "Odnośniki do tego zasobu", "en": "Links to this resource"},
    "in_scheme": {"pl": "Słownik", "en": "Vocabulary"},
    "concepts": {"pl": "Pojęcia", "en": "Concepts"},
    "browse_list": {"pl": "Lista praktyk lub organizacji", "en": "List of practices or organisations"},
    "properties": {"pl": "Wszystkie właściwości", "en": "All properties"},
    "shapes": {"pl": "Kształty SHACL", "en": "SHACL shapes"},
    "and_vocabularies": {"pl": "i słowniki", "en": "and vocabularies"},
    "terms": {"pl": "Klasy, właściwości i typy danych", "en": "Classes, properties and datatypes"},
    "vocabularies": {"pl": "Słowniki", "en": "Vocabularies"},
    "facet_sector": {"pl": "Sektor", "en": "Sector"},
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


class Strings(dict[str, str]):
    """The UI strings of one language (Polish where a translation is missing); `strings(key)` gives the
    key itself for an unknown key. Made once per process: a page looks up some 35 strings."""

    def __missing__(self, key: str) -> str:
        return key

    __call__ = dict.__getitem__


STRINGS = {lang: Strings({key: entry.get(lang) or entry["pl"] for key, entry in UI.items()}) for lang in LANGS}


def t(key: str) -> str:
    return (STRINGS.get(g.get("lang", "pl")) or STRINGS["pl"])[key]


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
        lang = g.get("lang", "pl")
        return {"t": STRINGS.get(lang) or STRINGS["pl"], "pick": pick, "lang": lang}
