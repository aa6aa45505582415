"""What the practice and organisation pages show beyond the document: a practice's place, partners (with
their roles and sectors) and published contacts in one query; the practices an organisation took part in,
paged over its links like any incoming links."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.namespaces import PREFIXES, sparql_prologue
from publisher.read.resources import Description, Extra, Page, incoming_page
from publisher.store import Store
from publisher.store.bind import term_text

# Groups for the first look of a practice page (read.resources.Extra): the triples of its place and of the
# place's address, its TERYT code, its partners with role, sector and name, the triples of its published
# contacts. Plain triple patterns, sorted out in Python: the same with an OPTIONAL for each field took
# oxigraph 2.1 ms instead of 0.4 ms.
CARD = Extra(groups=(
    "{ ?s dct:spatial ?place . ?place ?pp ?pv }",
    "{ ?s dct:spatial ?place . ?place vcard:hasAddress ?a . ?a ?ap ?av }",
    "{ ?s dct:spatial ?place . ?place adms:identifier ?i . ?i skos:notation ?teryt }",
    """{ ?s bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?org .
    OPTIONAL { ?m org:role ?role } OPTIONAL { ?org bdp:sector ?sector }
    OPTIONAL { ?org ?olp ?ol FILTER(?olp IN (skos:prefLabel, rdfs:label)) } }""",
    "{ ?s dcat:contactPoint ?person . ?person ?cp ?cv }"),
    variables=("place", "pp", "pv", "ap", "av", "teryt", "org", "role", "sector", "olp", "ol", "person", "cp",
               "cv"),
    prefixes=("bdp", "dct", "rdfs", "skos", "vcard", "adms", "org", "dcat"))

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
        rows = [self.place, *self.partners, *self.contacts]
        return {v.value for row in rows for v in row.values() if isinstance(v, ox.NamedNode)}


def card_from_rows(rows: list[dict]) -> PracticeCard:
    """The card from the rows of the CARD groups (asked alone or in a description's first look)."""
    card = PracticeCard()
    contacts: dict[str, dict] = {}
    for row in rows:
        if "pv" in row or "av" in row or "teryt" in row:
            card.place.setdefault("place", row["place"])  # type: ignore[arg-type]
            if "teryt" in row:
                card.place.setdefault("teryt", row["teryt"])  # type: ignore[arg-type]
            else:
                value, name = (row["pv"], _FIELDS.get(row["pp"].value)) if "pv" in row else \
                    (row["av"], _FIELDS.get(row["ap"].value))
                if name:
                    card.place.setdefault(name, value)  # type: ignore[arg-type]
        elif "org" in row:
            partner = {k: row[k] for k in ("org", "role", "sector") if k in row}
            if partner not in card.partners:
                card.partners.append(partner)  # type: ignore[arg-type]
            if "ol" in row:
                found = card.labels.setdefault(row["org"].value, [])
                label = ox.Triple(row["org"], row["olp"], row["ol"])  # type: ignore[arg-type]
                if label not in found:
                    found.append(label)
        elif "person" in row:
            contact = contacts.setdefault(row["person"].value, {"person": row["person"]})
            name = _FIELDS.get(row["cp"].value)
            if name:
                contact.setdefault(name, row["cv"])
    card.contacts = list(contacts.values())
    card.partners.sort(key=lambda p: (p.get("role", ox.NamedNode("urn:x")).value, p["org"].value))
    return card


ORG_ROLES = sparql_prologue(("bdp", "org")) + """
SELECT ?m ?practice ?role WHERE {{
  VALUES ?m {{ {values} }}
  ?m org:organization ?ps . ?practice bdp:partnership ?ps . OPTIONAL {{ ?m org:role ?role }}
}}"""
MEMBER = PREFIXES["org"] + "member"
IMPLEMENTS = PREFIXES["bdp"] + "implementingUnit"


def organisation_practices(store: Store, d: Description, page: int, page_size: int
                           ) -> tuple[list[tuple[ox.NamedNode, list[ox.NamedNode]]], Page]:
    """One page of the practices an organisation took part in: first those it was a partner in (with its
    role), then those it was the implementing unit of (role: bdp:implementingUnit). Paged over its
    memberships and implementing-unit links, whose counts `describe` already has."""
    counts = {p: n for p, n in d.incoming_counts.items() if p in (MEMBER, IMPLEMENTS)}
    counts = dict(sorted(counts.items(), key=lambda item: item[0] != MEMBER))
    where = Page(page, page_size, sum(counts.values()))
    if not where.exists or not where.total:
        return [], where
    links = incoming_page(store, d.iri, counts, where)
    memberships = [t.subject for t in links if t.predicate.value == MEMBER]
    found: dict[ox.NamedNode, tuple[ox.NamedNode, list[ox.NamedNode]]] = {}
    if memberships:
        values = " ".join(term_text(m) for m in memberships)
        for row in store.select(ORG_ROLES.format(values=values)).rows:
            entry = found.setdefault(row["m"], (row["practice"], []))  # type: ignore[arg-type]
            if "role" in row:
                entry[1].append(row["role"])  # type: ignore[arg-type]
    out = []
    for t in links:
        if t.predicate.value == MEMBER and t.subject in found:
            out.append(found[t.subject])  # type: ignore[index]
        elif t.predicate.value == IMPLEMENTS:
            out.append((t.subject, [t.predicate]))  # type: ignore[arg-type]
    return out, where
