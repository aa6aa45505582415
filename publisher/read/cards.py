"""What the practice and organisation pages show beyond the document: a practice's place, partners (with
their roles and sectors) and published contacts in one query; the practices an organisation took part in
are listed by publisher/read/practice_list.py."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES
from publisher.read.documents import DOCUMENTS
from publisher.read.links import ALSO_IN
from publisher.read.network_table import NetworkTable, node, shared_for
from publisher.read.resources import Description, Extra
from publisher.store.embedded import DirectStore, SiteStore

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

# predicate -> field of the card
_FIELDS = {PREFIXES[p] + n: f for p, n, f in (
    ("rdfs", "label", "town"), ("bdp", "voivodeship", "voivodeship"), ("bdp", "population", "population"),
    ("geo", "lat", "lat"), ("geo", "long", "long"), ("vcard", "street-address", "street"),
    ("vcard", "postal-code", "postal"), ("vcard", "fn", "name"), ("vcard", "role", "job"),
    ("vcard", "hasTelephone", "tel"), ("vcard", "hasEmail", "email"))}

_DEFAULT = ox.DefaultGraph()
_TAGS = {tag: ox.Literal(tag) for tag in ("place", "address", "teryt", "partner", "contact", "same", "id",
                                          "attachment", "publication")}
_LINKS = frozenset(PREFIXES[p] + n for p, n in (("owl", "sameAs"), ("skos", "exactMatch")))
_LABELS = frozenset(PREFIXES[p] + n for p, n in (("skos", "prefLabel"), ("rdfs", "label")))
_LABEL_NODES = tuple(ox.NamedNode(PREFIXES[p] + n) for p, n in (("skos", "prefLabel"), ("rdfs", "label")))
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_N = {name: ox.NamedNode(PREFIXES[p] + n) for name, p, n in (
    ("spatial", "dct", "spatial"), ("address", "vcard", "hasAddress"), ("identifier", "adms", "identifier"),
    ("notation", "skos", "notation"), ("partnership", "bdp", "partnership"),
    ("membership", "org", "hasMembership"), ("member", "org", "member"), ("role", "org", "role"),
    ("sector", "bdp", "sector"), ("contact", "dcat", "contactPoint"), ("part", "dct", "hasPart"),
    ("references", "dct", "references"), ("document", "foaf", "Document"),
    ("publication", "dct", "BibliographicResource"))}
_HAS_MEMBERSHIP, _MEMBER, _ROLE, _SECTOR = (_N[k].value for k in ("membership", "member", "role", "sector"))


def _about(store: ox.Store, subject: Any) -> list[tuple[ox.NamedNode, Any]]:
    """(predicate, object) of every triple about `subject`, in the store's order."""
    return [(q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None, _DEFAULT)]


def _of(pairs: list[tuple[ox.NamedNode, Any]], predicate: ox.NamedNode) -> list[Any]:
    return [o for p, o in pairs if p == predicate]


# A partner's sectors and names, kept per site store (a read-only snapshot of one build) up to MEMBERS
# organisations, then started again: an organisation is a partner in a few practices, read once for all.
MEMBERS = 50_000
_members: weakref.WeakKeyDictionary[Any, dict[str, tuple[list, list]]] = weakref.WeakKeyDictionary()
# The label predicates in the order a subject's triples list them (the store's: by their encodings, so the
# same for every subject of a store), learnt from the first partner read named by both, kept a site store
_label_order: weakref.WeakKeyDictionary[Any, tuple[str, ...]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()        # `bdp serve` answers in threads: one table a store


def _memberships(site: DirectStore, table: NetworkTable | None, partnership: Any) -> list[tuple[list, list]]:
    """(roles or [None], members) of each of a partnership's memberships, in the store's order."""
    n = _N
    if table is not None:
        return [([node(r) for r in table.objects(_ROLE, m)] or [None], [node(p) for p in table.objects(_MEMBER, m)])
                for m in table.objects(_HAS_MEMBERSHIP, partnership.value)]   # (IRIs as strings: NODES)
    store, found = site.oxigraph, []
    for q in store.quads_for_pattern(partnership, n["membership"], None, _DEFAULT):
        membership = _about(store, q.object)
        found.append((_of(membership, n["role"]) or [None], _of(membership, n["member"])))
    return found


def _member(site: DirectStore, table: NetworkTable | None, member: Any) -> tuple[list, list]:
    """(sectors or [None], (label predicate, label) pairs or [(None, None)]) of a partner, in the store's
    order; kept for a site store's handle, read again from any other (a build's own store changes)."""
    kept = _members.get(site) if isinstance(site, SiteStore) else None
    if kept is None and isinstance(site, SiteStore):
        with _lock:
            kept = _members.setdefault(site, {})
    found = kept.get(member.value) if kept is not None else None
    if found is None:
        found = _member_in_table(table, member, _label_order.get(site)) if table is not None else None
        if found is None:
            about = _about(site.oxigraph, member)
            found = (_of(about, _N["sector"]) or [None],
                     [(p, o) for p, o in about if p.value in _LABELS] or [(None, None)])
            order = tuple(dict.fromkeys(p.value for p, _ in found[1] if p is not None))
            if table is not None and kept is not None and len(order) > 1:
                _label_order[site] = order
        if kept is not None:
            if len(kept) >= MEMBERS:
                kept.clear()
            kept[member.value] = found
    return found


def _member_in_table(table: NetworkTable, member: Any, order: tuple[str, ...] | None) -> tuple[list, list] | None:
    """_member's answer from the table. A partner named by both label predicates lists them in the order
    of their encodings in the store (`order`, _label_order); None while that is not known (looked up
    then, and learnt)."""
    iri = member.value
    labels = [(p, table.objects(p.value, iri)) for p in _LABEL_NODES]
    named = [(p, objects) for p, objects in labels if objects]
    if len(named) > 1:
        if order is None:
            return None
        named.sort(key=lambda pair: order.index(pair[0].value))
    return (table.objects(_SECTOR, iri) or [None],
            [(p, o) for p, objects in named for o in objects] or [(None, None)])


def practice_page_rows(site: DirectStore, d: Description) -> list[dict]:
    """The rows PRACTICE_PAGE's groups give for the practice `d` describes, read from the indexes of a store
    in this process (no query to plan and run): group by group, in the store's order, the same columns, so
    that card_from_rows, also_in_from_rows and documents_from_rows read them alike. Each node's triples are
    read once and sorted out here (an index lookup costs more than a node's few triples); a partner's once
    for the store (`_member`). The memberships and partners from the organisations' table when `bdp export`
    shares one (`_table`): four or five lookups a practice fewer."""
    n, tags, store = _N, _TAGS, site.oxigraph
    iri = d.iri
    # its own triples, in the store's order, are the description's first (read.quads.own)
    own = _about(store, iri) if d.truncated else [(t.predicate, t.object) for t in d.triples if t.subject == iri]
    places = [(place, _about(store, place)) for place in _of(own, n["spatial"])]
    codes = {place: [(code, _about(store, code)) for code in _of(about, n["identifier"])]
             for place, about in [(iri, own), *places]}
    own_partnerships = _of(own, n["partnership"])
    rows: list[dict] = []
    for place, about in places:                                             # CARD
        rows += [{"g": tags["place"], "x": place, "p": p, "o": o} for p, o in about]
    for _, about in places:
        for address in _of(about, n["address"]):
            rows += [{"g": tags["address"], "x": address, "p": p, "o": o} for p, o in _about(store, address)]
    for place, _ in places:
        rows += [{"g": tags["teryt"], "o": o} for _, code in codes[place] for o in _of(code, n["notation"])]
    table = shared_for(site) if own_partnerships else None
    for partnership in own_partnerships:
        for roles, members in _memberships(site, table, partnership):
            for member in members:
                sectors, labels = _member(site, table, member)
                rows += [{k: v for k, v in (("g", tags["partner"]), ("x", member), ("p", role), ("o", sector),
                                            ("lp", lp), ("l", label)) if v is not None}
                         for role in roles for sector in sectors for lp, label in labels]
    for contact in _of(own, n["contact"]):
        rows += [{"g": tags["contact"], "x": contact, "p": p, "o": o} for p, o in _about(store, contact)]
    for _, about in [(iri, own), *places]:                                 # ALSO_IN
        rows += [{"g": tags["same"], "o": o} for p, o in about if p.value in _LINKS and isinstance(o, ox.NamedNode)]
    for subject in codes:
        rows += [{"g": tags["id"], "x": code, "p": p, "o": o} for code, about in codes[subject] for p, o in about]
    for part in _of(own, n["part"]):                                       # DOCUMENTS
        about = _about(store, part)
        if (_TYPE, n["document"]) in about:
            rows += [{"g": tags["attachment"], "x": part, "p": p, "o": o} for p, o in about]
    # the description counted the links to the practice by predicate: no dct:references, no publication
    cited = store.quads_for_pattern(None, n["references"], iri, _DEFAULT) \
        if n["references"].value in d.incoming_counts else ()
    for q in cited:
        about = _about(store, q.subject)
        if (_TYPE, n["publication"]) in about:
            rows += [{"g": tags["publication"], "x": q.subject, "p": p, "o": o} for p, o in about]
    return rows


# What the first look of a page asks beyond the document: a practice its card, "also in" and attachments;
# an organisation its "also in". One query instead of three (less time in oxigraph and a parse less each);
# from a store in this process, no query at all (`practice_page_rows`).
PRACTICE_PAGE = replace(CARD + ALSO_IN + DOCUMENTS, direct=practice_page_rows)
ORGANISATION_PAGE = ALSO_IN


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


# A partner's label triples, one list for equal contents (up to LABEL_LISTS, then started again): the
# cards of the practices an organisation is in hold the same list, so that the pages' names of it, kept
# while their list is the same (web.present.Names), are made once.
LABEL_LISTS = 100_000
_label_lists: dict[tuple[ox.Triple, ...], list[ox.Triple]] = {}


def _kept_labels(found: list[ox.Triple]) -> list[ox.Triple]:
    key = tuple(found)
    kept = _label_lists.get(key)
    if kept is None:
        if len(_label_lists) >= LABEL_LISTS:
            _label_lists.clear()
        kept = _label_lists[key] = found
    return kept


def card_from_rows(rows: list[dict]) -> PracticeCard:
    """The card from the rows of the CARD groups (asked alone or in a description's first look)."""
    card = PracticeCard()
    contacts: dict[str, dict] = {}
    labels: dict[str, list[ox.Triple]] = {}
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
                found = labels.setdefault(row["x"].value, [])
                label = ox.Triple(row["x"], row["lp"], row["l"])
                if label not in found:
                    found.append(label)
        elif tag == "contact":
            contact = contacts.setdefault(row["x"].value, {"person": row["x"]})
            name = _FIELDS.get(row["p"].value)
            if name:
                contact.setdefault(name, row["o"])
    card.contacts = list(contacts.values())
    card.labels = {iri: _kept_labels(found) for iri, found in labels.items()}
    card.partners.sort(key=lambda p: (p.get("role", ox.NamedNode("urn:x")).value, p["org"].value))
    return card
