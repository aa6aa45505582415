"""What the practice and organisation pages show beyond the document: a practice's place, partners (with
their roles and sectors) and published contacts in one query; the practices an organisation took part in
are listed by publisher/read/practice_list.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES
from publisher.read.documents import DOCUMENTS
from publisher.read.links import ALSO_IN
from publisher.read.resources import Extra

# Groups for the first look of a practice page (read.resources.Extra): the triples of its place and of the
# place's address, its TERYT code, its partners (?x) with role (?p), sector (?o) and name, the triples of
# its published contacts. Plain triple patterns, sorted out in Python: an OPTIONAL for each field made
# oxigraph several times slower.
CARD = Extra(groups=(
    '{ ?s dct:spatial ?x . ?x ?p ?o BIND("place" AS ?g) }',
    '{ ?s dct:spatial ?pl . ?pl vcard:hasAddress ?x . ?x ?p ?o BIND("address" AS ?g) }',
    '{ ?s dct:spatial ?pl . ?pl adms:identifier ?i . ?i skos:notation ?o BIND("teryt" AS ?g) }',
    """{ ?s bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?x .
    OPTIONAL { ?m org:role ?p } OPTIONAL { ?x bdp:sector ?o }
    OPTIONAL { ?x ?lp ?l FILTER(?lp IN (skos:prefLabel, rdfs:label)) } BIND("partner" AS ?g) }""",
    '{ ?s dcat:contactPoint ?x . ?x ?p ?o BIND("contact" AS ?g) }'),
    prefixes=("bdp", "dct", "rdfs", "skos", "vcard", "adms", "org", "dcat"))

# What the first look of a page asks beyond the document: a practice its card, "also in" and attachments;
# an organisation its "also in". One query instead of three (less time in oxigraph and a parse less each).
PRACTICE_PAGE = CARD + ALSO_IN + DOCUMENTS
ORGANISATION_PAGE = ALSO_IN

# predicate -> field of the card
_FIELDS = {PREFIXES[p] + n: f for p, n, f in (
    ("rdfs", "label", "town"), ("bdp", "voivodeship", "voivodeship"), ("bdp", "population", "population"),
    ("geo", "lat", "lat"), ("geo", "long", "long"), ("vcard", "street-address", "street"),
    ("vcard", "postal-code", "postal"), ("vcard", "fn", "name"), ("vcard", "role", "job"),
    ("vcard", "hasTelephone", "tel"), ("vcard", "hasEmail", "email"))}

@dataclass
class PracticeCard:
    """The place, partners (with role and sector) and published contacts of a practice, as terms."""

    place: dict[str, ox.NamedNode | ox.Literal] = field(default_factory=dict)
    partners: list[dict[str, ox.NamedNode]] = field(default_factory=list)
    contacts: list[dict[str, ox.NamedNode | ox.Literal]] = field(default_factory=list)
    labels: dict[str, list[ox.Triple]] = field(default_factory=dict)   # of the partner organisations

    def iris(self) -> set[str]:
        rows: list[dict[str, Any]] = [self.place, *self.partners, *self.contacts]
        return {v.value for row in rows for v in row.values() if isinstance(v, ox.NamedNode)}


def card_from_rows(rows: list[dict]) -> PracticeCard:
    """The card from the rows of the CARD groups (asked alone or in a description's first look)."""
    card = PracticeCard()
    contacts: dict[str, dict] = {}
    for row in rows:
        tag = row["g"].value
        if tag in ("place", "address"):
            if tag == "place":
                card.place.setdefault("place", row["x"])
            name = _FIELDS.get(row["p"].value)
            if name:
                card.place.setdefault(name, row["o"])
        elif tag == "teryt":
            card.place.setdefault("teryt", row["o"])
        elif tag == "partner":
            partner = {k: row[c] for k, c in (("org", "x"), ("role", "p"), ("sector", "o")) if c in row}
            if partner not in card.partners:
                card.partners.append(partner)
            if "l" in row:
                found = card.labels.setdefault(row["x"].value, [])
                label = ox.Triple(row["x"], row["lp"], row["l"])
                if label not in found:
                    found.append(label)
        elif tag == "contact":
            contact = contacts.setdefault(row["x"].value, {"person": row["x"]})
            name = _FIELDS.get(row["p"].value)
            if name:
                contact.setdefault(name, row["o"])
    card.contacts = list(contacts.values())
    card.partners.sort(key=lambda p: (p.get("role", ox.NamedNode("urn:x")).value, p["org"].value))
    return card
