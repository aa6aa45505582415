"""The concepts of one SKOS scheme as the store holds them: to check a query parameter against its
scheme and to offer the concepts in a form."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.namespaces import VOCAB_BASE, sparql_prologue
from publisher.store import Store

# ?scheme is projected because Oxigraph substitutes only projected variables.
CONCEPTS = sparql_prologue(("skos",)) + """
SELECT ?concept ?notation ?label ?alt ?scheme
WHERE {
  ?concept skos:inScheme ?scheme .
  OPTIONAL { ?concept skos:notation ?notation }
  OPTIONAL { ?concept skos:prefLabel ?label }
  OPTIONAL { ?concept skos:altLabel ?alt }
}
ORDER BY ?notation ?concept
"""


@dataclass
class Concept:
    iri: str
    notation: str = ""
    labels: dict[str, str] = field(default_factory=dict)   # lang -> prefLabel
    alt_labels: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Every text a person may type for this concept: notation, labels, alternative labels."""
        return [n for n in (self.notation, *self.labels.values(), *self.alt_labels) if n]


def scheme_concepts(store: Store, scheme: str) -> list[Concept]:
    """The concepts of `bdpv:{scheme}` (e.g. 'voivodeship'), ordered by notation."""
    rows = store.select(CONCEPTS, bindings={"scheme": ox.NamedNode(VOCAB_BASE + scheme)}).rows
    found: dict[str, Concept] = {}
    for row in rows:
        concept = found.setdefault(row["concept"].value, Concept(row["concept"].value))
        if "notation" in row:
            concept.notation = row["notation"].value
        label = row.get("label")
        if isinstance(label, ox.Literal):
            concept.labels.setdefault(label.language or "", label.value)
        alt = row.get("alt")
        if alt is not None and alt.value not in concept.alt_labels:
            concept.alt_labels.append(alt.value)
    return list(found.values())
