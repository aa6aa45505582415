"""Organisations by name, for the submission form: suggestions while a person types a partner's name
(from the names read once per build), and the key of the organisation a given name means (a bound
value, never pasted into the query)."""

from __future__ import annotations

from urllib.parse import unquote

import pyoxigraph as ox

from publisher.iris import mint
from publisher.namespaces import sparql_prologue
from publisher.records.vocab import fold
from publisher.store import Store

# Every organisation's names in one answer (unordered: ORDER BY made it 13 s at 100k, 0.3 s without);
# the row cap is lifted to MOST_NAMES for it, which bounds it.
NAMES = sparql_prologue(("org", "skos")) + """
SELECT ?org ?name
WHERE { ?org a org:Organization ; skos:prefLabel ?name . }
"""
MOST_NAMES = 2_000_000

# Only the label pattern: with `?org a org:Organization` beside it Oxigraph scans every organisation first
# (measured at 100k: bench/README.md, issue 16); concepts and partnerships that share the label are told apart
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


class Names:
    """The names of the published organisations, read once per build (40,000 organisations at 100k
    practices: some 4 MB), so that each keystroke's suggestions are a scan in memory (a few ms), not a
    SPARQL FILTER over every label (0.25 s at 100k). Matching ignores case and Polish letters."""

    def __init__(self, store: Store, base: str) -> None:
        entries: dict[tuple[str, str], str] = {}
        for row in store.select(NAMES, limit=MOST_NAMES).rows:
            name = row["name"]
            if _key(base, row["org"].value) is not None and isinstance(name, ox.Literal):
                entries.setdefault((name.language or "", name.value), fold(name.value))
        self._entries = sorted(((lang, text, folded) for (lang, text), folded in entries.items()),
                               key=lambda e: (len(e[1]), e[1]))

    def suggest(self, text: str, lang: str = "pl", limit: int = 10) -> list[str]:
        """Up to `limit` names (in `lang`) containing `text`, shortest first."""
        wanted = fold(text)
        if len(wanted) < 2:
            return []
        found: list[str] = []
        for name_lang, name, folded in self._entries:
            if name_lang == lang and wanted in folded:
                found.append(name)
                if len(found) == limit:
                    break
        return found


def key_by_name(store: Store, base: str, name: str) -> str | None:
    """The key of the organisation whose Polish (or English) name is exactly `name`; None if there is
    none (the form then proposes a new organisation)."""
    for lang in ("pl", "en"):
        rows = store.select(BY_NAME, bindings={"name": ox.Literal(name, language=lang)}).rows
        for row in rows:
            if (key := _key(base, row["org"].value)) is not None:
                return key
    return None
