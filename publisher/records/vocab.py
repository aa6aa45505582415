"""Resolving the values editors write (keys, names, TERYT codes) to concepts of the SKOS vocabularies."""

from __future__ import annotations

import unicodedata

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from publisher.namespaces import BDPV


def fold(text: str) -> str:
    """Lower case without diacritics: 'Łódzkie' -> 'lodzkie'."""
    text = text.strip().lower().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class Vocabularies:
    """scheme -> {folded notation, alt or pl label -> concept IRI}, read from the vocabulary graph."""

    def __init__(self, graph: Graph) -> None:
        self._lookup: dict[str, dict[str, URIRef]] = {}
        for concept, scheme in graph.subject_objects(SKOS.inScheme):
            name = str(scheme).removeprefix(str(BDPV))
            table = self._lookup.setdefault(name, {})
            for predicate in (SKOS.notation, SKOS.altLabel, SKOS.prefLabel):
                for label in graph.objects(concept, predicate):
                    table.setdefault(fold(str(label)).replace(" ", "-"), URIRef(str(concept)))

    def concept(self, scheme: str, value: object) -> URIRef:
        """The concept for `value`; an unknown value still gets an IRI in the scheme's namespace, which
        the shapes then refuse as 'not in its scheme' (so the message names the record and field)."""
        text = fold(str(value)).replace(" ", "-")
        found = self._lookup.get(scheme, {}).get(text)
        return found if found is not None else URIRef(f"{BDPV}{scheme}/{text}")

    def schemes(self) -> list[str]:
        return sorted(self._lookup)
