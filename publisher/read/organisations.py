"""Organisations by name, for the submission form: suggestions while a person types a partner's name,
and the key of the organisation a given name means. Values are bound, never pasted into the query."""

from __future__ import annotations

from urllib.parse import unquote

import pyoxigraph as ox

from publisher.iris import mint
from publisher.namespaces import sparql_prologue
from publisher.store import Store

# ?text and ?lang are projected because Oxigraph substitutes only projected variables.
SUGGEST = sparql_prologue(("org", "skos")) + """
SELECT DISTINCT ?org ?name ?text ?lang
WHERE {
  ?org a org:Organization ; skos:prefLabel ?name .
  FILTER(LANG(?name) = STR(?lang) && CONTAINS(LCASE(STR(?name)), LCASE(STR(?text))))
}
ORDER BY STRLEN(STR(?name)) ?name
LIMIT 10
"""

# Only the label pattern: with `?org a org:Organization` beside it Oxigraph scans every organisation first
# (0.33 s at 100k practices against 1 ms); concepts and partnerships that share the label are told apart
# by their IRI (`_key`).
BY_NAME = sparql_prologue(("skos",)) + """
SELECT ?org ?name
WHERE { ?org skos:prefLabel ?name . }
ORDER BY ?org
LIMIT 20
"""


def _key(base: str, iri: str) -> str | None:
    prefix = mint(base, "organisation", "")
    return unquote(iri[len(prefix):]) if iri.startswith(prefix) else None


def suggest(store: Store, base: str, text: str, lang: str = "pl") -> list[str]:
    """Up to 10 names (in `lang`) of organisations containing `text` (any case), shortest first."""
    text = text.strip()
    if len(text) < 2:
        return []
    rows = store.select(SUGGEST, bindings={"text": ox.Literal(text[:100]), "lang": ox.Literal(lang)}).rows
    names: list[str] = []
    for row in rows:
        if _key(base, row["org"].value) is not None and row["name"].value not in names:
            names.append(row["name"].value)
    return names


def key_by_name(store: Store, base: str, name: str) -> str | None:
    """The key of the organisation whose Polish (or English) name is exactly `name`; None if there is
    none (the form then proposes a new organisation)."""
    for lang in ("pl", "en"):
        rows = store.select(BY_NAME, bindings={"name": ox.Literal(name, language=lang)}).rows
        for row in rows:
            if (key := _key(base, row["org"].value)) is not None:
                return key
    return None
