"""What the catalogue, VoID and schema.org descriptions share: the texts and keywords of the dataset, the
IRIs of the catalogue's nodes, and an ordered set of triples."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

TEXT: dict[str, dict[str, str]] = {
    "catalog_title": {"pl": "Bank Dobrych Praktyk — katalog danych", "en": "Good Practice Bank — data catalogue"},
    "catalog_description": {
        "pl": "Katalog otwartych danych powiązanych Banku Dobrych Praktyk: zbiór, jego pliki do pobrania "
              "i punkt dostępowy SPARQL.",
        "en": "Catalogue of the Good Practice Bank linked open data: the dataset, its downloadable files "
              "and its SPARQL endpoint."},
    "dataset_title": {"pl": "Bank Dobrych Praktyk: współpraca samorządów, organizacji pozarządowych i biznesu",
                      "en": "Good Practice Bank: cooperation of local governments, NGOs and businesses"},
    "dataset_description": {
        "pl": "Dobre praktyki współpracy jednostek samorządu terytorialnego (JST), organizacji pozarządowych "
              "i przedsiębiorstw w Polsce: opisy praktyk, partnerstwa, organizacje, miejsca, źródła "
              "finansowania i tematy, jako otwarte dane powiązane (RDF) ze słownikami SKOS i ontologią.",
        "en": "Good practices of cooperation between Polish local governments, non-governmental "
              "organisations and businesses: practices, partnerships, organisations, places, funding and "
              "themes, as linked open data (RDF) with SKOS vocabularies and an ontology."},
    "service_title": {"pl": "Punkt dostępowy SPARQL Banku Dobrych Praktyk",
                      "en": "Good Practice Bank SPARQL endpoint"},
    "service_description": {"pl": "Zapytania SPARQL 1.1 do całego zbioru (tylko odczyt).",
                            "en": "SPARQL 1.1 queries over the whole dataset (read only)."},
    "feed_title": {"pl": "Zmiany w Banku Dobrych Praktyk (strumień LDES)",
                   "en": "Changes to the Good Practice Bank (LDES event stream)"},
    "feed_description": {"pl": "Praktyki i organizacje dodane, zmienione i usunięte w każdej publikacji, jako "
                               "Linked Data Event Stream (TREE); starsze wersje są w zrzucie.",
                         "en": "Practices and organisations created, updated and deleted by each build, as a "
                               "Linked Data Event Stream (TREE); older versions are in the dump."},
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "pl": ("dobre praktyki", "samorząd terytorialny", "organizacje pozarządowe", "współpraca międzysektorowa",
           "partnerstwo", "biznes", "otwarte dane powiązane"),
    "en": ("good practices", "local government", "non-governmental organisations", "cross-sector cooperation",
           "partnership", "business", "linked open data"),
}


def catalog_iri(base: str) -> str:
    return base + "catalog"


def node(base: str, fragment: str) -> str:
    return f"{base}catalog#{fragment}"


def dataset_iri(base: str) -> str:
    return node(base, "dataset")



class Triples:
    """An ordered list of triples without repeats, written with plain strings for IRIs."""

    def __init__(self) -> None:
        self._seen: dict[ox.Triple, None] = {}

    def add(self, s: str, p: str, o: str | ox.Literal) -> None:
        obj = o if isinstance(o, ox.Literal) else ox.NamedNode(o)
        self._seen.setdefault(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj), None)

    def texts(self, s: str, p: str, values: dict[str, str]) -> None:
        for lang, text in values.items():
            self.add(s, p, ox.Literal(text, language=lang))

    def __iter__(self) -> Iterator[ox.Triple]:
        """Grouped by subject (readable Turtle), otherwise in the order added: the same bytes every time."""
        return iter(sorted(self._seen, key=lambda t: t.subject.value))  # type: ignore[union-attr]

    def __len__(self) -> int:
        return len(self._seen)


def typed(value: str | int, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(datatype))
