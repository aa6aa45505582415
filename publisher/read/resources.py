"""Describing one resource through the store: its own triples with blank nodes closed over (a concise
bounded description), the labels of every resource it links to, and the links pointing at it, one page
at a time with counts. Every query is bounded (a row cap, LIMIT/OFFSET pages), so a resource with
thousands of links answers as fast as a small one. A store in this process is read through its indexes
instead (read.quads, `describe_direct`); the SPARQL path serves a remote store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import pyoxigraph as ox

from publisher.namespaces import PREFIXES, sparql_prologue
from publisher.read import network_quads, quads
from publisher.store import Store
from publisher.store.bind import term_text
from publisher.store.embedded import DirectStore

Node = ox.NamedNode | ox.BlankNode

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
# Label predicates, most preferred first: names shown for linked resources, and copied into documents.
LABELS = tuple(ox.NamedNode(PREFIXES[p] + n) for p, n in (("skos", "prefLabel"), ("rdfs", "label"),
                                                           ("dct", "title")))

# Own triples, those of blank nodes up to two levels below (the data never nests deeper), and the labels
# of the IRIs they link to. Both levels share one scan of the resource's blank nodes (two scans cost more
# for the same rows).
LABELLED = "FILTER(?{0} IN (skos:prefLabel, rdfs:label, dct:title))"
OWN_GROUP = """{ { ?s ?p ?o }
    UNION { ?s ?p1 ?b . FILTER(isBlank(?b))
            { ?b ?p ?o BIND(?b AS ?x) } UNION { ?b ?p2 ?x . FILTER(isBlank(?x)) ?x ?p ?o } }
    OPTIONAL { ?o ?lp ?l """ + LABELLED.format("lp") + """ } }"""
OWN = sparql_prologue(("rdfs", "skos", "dct")) + "SELECT ?s ?x ?p ?o ?lp ?l WHERE { " + OWN_GROUP + " }"

# A first look in one query: own triples and labels, every incoming link with its subject's labels, and a
# caller's own groups (`Extra`). Under FIRST_LOOK rows (any resource but the few with thousands of links)
# that is the whole document; past it, `describe` asks again, part by part and paged. Every group answers
# in the same few columns, ?g naming the group (unbound: own triples): each column costs on every row.
IN_GROUP = '{ ?x ?p ?s BIND("in" AS ?g) OPTIONAL { ?x ?lp ?l ' + LABELLED.format("lp") + " } }"
FIRST_LOOK = 500       # rows: a practice page takes 40 (median) to 430 (the most seen in 500 at 100k)
COLUMNS = "?s ?g ?x ?p ?o ?lp ?l"


@dataclass(frozen=True)
class Extra:
    """More group patterns for the first look. Each binds ?g to its own tag and answers in the columns
    ?x ?p ?o ?lp ?l (any of them may stay unbound); its rows come back in `Description.extra_rows`.
    `direct`, when given, reads the same rows in this process (from the store's indexes or from the
    description read before: no query to plan and run), or None when it cannot tell."""

    groups: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    # not carried into a sum of extras
    direct: Callable[[DirectStore, Description], list[dict] | None] | None = field(default=None, compare=False)

    def __add__(self, other: Extra) -> Extra:
        return Extra(self.groups + other.groups, tuple(dict.fromkeys(self.prefixes + other.prefixes)))

    def query(self) -> str:
        """The groups alone, for when the first look was cut short."""
        names = tuple(dict.fromkeys(("rdfs", "skos", "dct", *self.prefixes)))
        return sparql_prologue(names) + f"SELECT {COLUMNS} WHERE {{ " + " UNION ".join(self.groups) + " }"


@lru_cache(maxsize=64)
def first_look_query(extra: Extra | None) -> str:
    names = tuple(dict.fromkeys(("rdfs", "skos", "dct", *(extra.prefixes if extra else ()))))
    groups = (OWN_GROUP, IN_GROUP, *(extra.groups if extra else ()))
    return sparql_prologue(names) + f"SELECT {COLUMNS} WHERE {{ " + "\n  UNION ".join(groups) + " }"


# The labels of the ontology's terms and of the vocabularies' concepts and schemes: fixed, so a process
# reads them once (`term_labels`) and pages name predicates without asking again.
TERM_LABELS = sparql_prologue(("rdfs", "skos", "dct", "owl")) + """
SELECT ?r ?lp ?l WHERE {
  { ?r rdfs:isDefinedBy ?onto } UNION { ?r skos:inScheme ?scheme } UNION { ?r a skos:ConceptScheme }
  UNION { ?r a owl:Ontology }
  ?r ?lp ?l FILTER(?lp IN (skos:prefLabel, rdfs:label, dct:title))
}"""

INCOMING_COUNTS = "SELECT ?s ?p (COUNT(?x) AS ?n) WHERE { ?x ?p ?s } GROUP BY ?s ?p"

# One page of the links of one predicate, in the store's own order: stable for a build (the store is
# read-only), and no sort (sorting IRIs costs oxigraph more than the page itself on a long list).
INCOMING_PAGE = "SELECT ?s ?p ?x WHERE {{ ?x ?p ?s }} LIMIT {limit} OFFSET {offset}"

# (A FILTER on ?lp, not a VALUES block: oxigraph then looks each IRI up instead of scanning every label.)
LABELS_OF = sparql_prologue(("rdfs", "skos", "dct")) + """
SELECT ?r ?lp ?l WHERE {{
  VALUES ?r {{ {values} }}
  ?r ?lp ?l FILTER(?lp IN (skos:prefLabel, rdfs:label, dct:title))
}}"""

EXISTS = "ASK { { ?s ?p ?o } }"


@dataclass
class Page:
    """Where a page sits in a list: 1-based `number`, `size` items a page, `total` items in all."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def count(self) -> int:
        """How many pages (at least one, even for an empty list)."""
        return max(1, -(-self.total // self.size))

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def exists(self) -> bool:
        return 1 <= self.number <= self.count


@dataclass
class Description:
    iri: ox.NamedNode
    triples: list[ox.Triple] = field(default_factory=list)          # own triples + blank-node closure
    labels: dict[str, list[ox.Triple]] = field(default_factory=dict)  # linked IRI -> its label triples
    incoming: list[ox.Triple] = field(default_factory=list)         # this page of the links to `iri`
    incoming_counts: dict[str, int] = field(default_factory=dict)   # predicate IRI -> how many links
    page: Page = field(default_factory=lambda: Page(1, 50, 0))
    truncated: bool = False
    linked: set[str] = field(default_factory=set)   # IRIs of the objects and of the linking subjects
    extra_rows: list[dict] | None = None            # rows of `Extra` groups (None: not asked)
    _index: dict | None = field(default=None, repr=False)

    @property
    def found(self) -> bool:
        return bool(self.triples)

    def objects(self, predicate: str, subject: Node | None = None) -> list[ox.NamedNode | ox.BlankNode |
                                                                             ox.Literal]:
        if self._index is None:
            self._index = {}
            for t in self.triples:
                self._index.setdefault((t.subject, t.predicate.value), []).append(t.object)
        return self._index.get((subject or self.iri, predicate), [])

    def types(self) -> list[str]:
        return [o.value for o in self.objects(RDF_TYPE.value)]

    def label_triples(self) -> list[ox.Triple]:
        """The labels of the linked resources (those of predicates serve pages only)."""
        labels = self.labels
        return [t for iri in sorted(self.linked) if iri in labels for t in labels[iri]]


def _node(row: dict, name: str, default: Node) -> Node:
    value = row.get(name)
    return value if isinstance(value, (ox.NamedNode, ox.BlankNode)) else default


def own_triples(store: Store, iri: Node, limit: int
                ) -> tuple[list[ox.Triple], dict[str, list[ox.Triple]], bool]:
    """The triples about `iri` and about the blank nodes it owns (CBD), and the label triples of the IRIs
    they link to; at most `limit` rows."""
    result = store.select(OWN, bindings={"s": iri}, limit=limit)
    triples: list[ox.Triple] = []
    named: dict[str, list[ox.Triple]] = {}
    for r in result.rows:
        triples.append(ox.Triple(_node(r, "x", iri), r["p"], r["o"]))
        if "l" in r:
            named.setdefault(r["o"].value, []).append(ox.Triple(r["o"], r["lp"], r["l"]))
    return _dedupe(triples), {k: _dedupe(v) for k, v in named.items()}, result.truncated


def term_labels(store: Store) -> dict[str, list[ox.Triple]]:
    """Label triples of every ontology term, concept and scheme."""
    out: dict[str, list[ox.Triple]] = {}
    for row in store.select(TERM_LABELS).rows:
        out.setdefault(row["r"].value, []).append(ox.Triple(row["r"], row["lp"], row["l"]))
    return {k: _dedupe(v) for k, v in out.items()}


def _dedupe(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))


def exists(store: Store, iri: ox.NamedNode) -> bool:
    return store.ask(EXISTS, bindings={"s": iri})


def labels(store: Store, iris: Iterable[str]) -> dict[str, list[ox.Triple]]:
    """The label triples (skos:prefLabel, rdfs:label, dct:title) of each IRI that has any."""
    wanted = sorted({i for i in iris})
    out: dict[str, list[ox.Triple]] = {}
    for start in range(0, len(wanted), 500):
        values = " ".join(term_text(ox.NamedNode(i)) for i in wanted[start:start + 500])
        for row in store.select(LABELS_OF.format(values=values)).rows:
            out.setdefault(row["r"].value, []).append(ox.Triple(row["r"], row["lp"], row["l"]))
    return out


def incoming_counts(store: Store, iri: ox.NamedNode) -> dict[str, int]:
    rows = store.select(INCOMING_COUNTS, bindings={"s": iri}).rows
    return dict(sorted((r["p"].value, int(r["n"].value)) for r in rows))


def incoming_page(store: Store, iri: ox.NamedNode, counts: dict[str, int], page: Page) -> list[ox.Triple]:
    """The links on `page`, predicate after predicate (in IRI order): each predicate is paged in its own
    query, so a page costs the same whichever page it is and however many links there are."""
    out: list[ox.Triple] = []
    start, end = page.offset, page.offset + page.size
    position = 0
    for predicate, count in counts.items():
        first, last = max(start, position), min(end, position + count)
        if first < last:
            query = INCOMING_PAGE.format(limit=last - first, offset=first - position)
            rows = store.select(query, bindings={"s": iri, "p": ox.NamedNode(predicate)}).rows
            out += [ox.Triple(r["x"], r["p"], iri) for r in rows]
        position += count
        if position >= end:
            break
    return out


def describe(store: Store, iri: ox.NamedNode, *, page: int = 1, page_size: int = 50, limit: int = 10000,
             known: dict[str, list[ox.Triple]] | None = None, extra: Extra | None = None,
             cache: MutableMapping[str, list[ox.Triple]] | None = None) -> Description:
    """What a document about `iri` holds. `page` pages the incoming links; a page past the end is empty
    (`description.page.exists` is then False). `known`: labels already at hand (`term_labels`), used for
    predicates and not asked for again. `extra`: more groups a page wants, asked in the same query (in a
    query of their own when the store is read directly). `cache`: labels of linked resources kept between
    calls (read.quads; only for a store in this process)."""
    known = known or {}
    if isinstance(store, DirectStore):
        d = describe_direct(store, iri, page, page_size, limit, known, {} if cache is None else cache)
        return with_extra(store, d, extra, limit) if extra is not None else d
    first = store.select(first_look_query(extra), bindings={"s": iri}, limit=min(limit, FIRST_LOOK))
    if first.truncated:
        return _describe_in_parts(store, iri, page, page_size, limit, known, extra)
    own: list[ox.Triple] = []
    links: list[ox.Triple] = []
    named: dict[str, list[ox.Triple]] = {}
    rows: list[dict] = []
    for r in first.rows:
        tag = r.get("g")
        if tag is None:
            own.append(ox.Triple(_node(r, "x", iri), r["p"], r["o"]))
            if "l" in r:
                named.setdefault(r["o"].value, []).append(ox.Triple(r["o"], r["lp"], r["l"]))
        elif tag.value == "in":
            links.append(ox.Triple(r["x"], r["p"], iri))
            if "l" in r:
                named.setdefault(r["x"].value, []).append(ox.Triple(r["x"], r["lp"], r["l"]))
        else:
            rows.append(r)
    links = _dedupe(links)
    counts: dict[str, int] = {}
    for t in links:
        counts[t.predicate.value] = counts.get(t.predicate.value, 0) + 1
    counts = dict(sorted(counts.items()))
    where = Page(page, page_size, len(links))
    ordered = sorted(links, key=lambda t: t.predicate.value)        # stable: store order within a predicate
    incoming = ordered[where.offset:where.offset + page_size] if where.exists else []
    d = _finish(iri, _dedupe(own), {k: _dedupe(v) for k, v in named.items()}, incoming, counts, where, False,
                known)
    d.extra_rows = rows if extra else None
    return d


def describe_direct(store: DirectStore, iri: ox.NamedNode, page: int, page_size: int, limit: int,
                    known: dict[str, list[ox.Triple]], cache: MutableMapping[str, list[ox.Triple]]
                    ) -> Description:
    """`describe` from the store's indexes (read.quads): no query to plan, the labels from `cache`."""
    triples, truncated, read = quads.own(store.oxigraph, iri, limit)
    if not triples:
        return Description(iri, page=Page(page, page_size, 0))
    where = Page(page, page_size, 0)
    found = network_quads.links_to(store, iri, where.offset, page_size)     # (counted before: an export's)
    if found is None:
        found = quads.incoming(store.oxigraph, iri, where.offset, page_size, FIRST_LOOK)
    if found is None:                     # thousands of links: counted and paged by the store
        counts = incoming_counts(store, iri)
        where.total = sum(counts.values())
        links = incoming_page(store, iri, counts, where) if where.exists else []
    else:
        links, counts, where.total = found
        links = links if where.exists else []
    named = quads.labels_of(store.oxigraph, [t.object for t in triples] + [t.subject for t in links], cache,
                            read)
    return _finish(iri, triples, named, links, counts, where, truncated, known)


def with_extra(store: Store, d: Description, extra: Extra, limit: int) -> Description:
    """`d` with the rows of `extra`'s groups (a copy: `d` may serve other representations)."""
    rows = extra.direct(store, d) if extra.direct is not None and isinstance(store, DirectStore) \
        else None
    if rows is None:
        rows = store.select(extra.query(), bindings={"s": d.iri}, limit=limit).rows
    return replace(d, extra_rows=rows[:limit], _index=None)


def _describe_in_parts(store: Store, iri: ox.NamedNode, page: int, page_size: int, limit: int,
                       known: dict[str, list[ox.Triple]], extra: Extra | None) -> Description:
    """The same, for a resource with many links: own triples, link counts, one page of links, labels."""
    triples, named, truncated = own_triples(store, iri, limit)
    counts = incoming_counts(store, iri)
    where = Page(page, page_size, sum(counts.values()))
    incoming = incoming_page(store, iri, counts, where) if where.exists else []
    subjects = {t.subject.value for t in incoming if isinstance(t.subject, ox.NamedNode)}
    named.update(labels(store, subjects - set(named) - set(known)))
    d = _finish(iri, triples, named, incoming, counts, where, truncated, known)
    if extra is not None:
        d.extra_rows = store.select(extra.query(), bindings={"s": iri}, limit=limit).rows
    return d


def _finish(iri: ox.NamedNode, triples: list[ox.Triple], named: dict[str, list[ox.Triple]],
            incoming: list[ox.Triple], counts: dict[str, int], where: Page, truncated: bool,
            known: dict[str, list[ox.Triple]]) -> Description:
    linked = {o.value for t in triples if type(o := t.object) is ox.NamedNode}
    subjects = {s.value for t in incoming if type(s := t.subject) is ox.NamedNode}
    linked = (linked | subjects) - {iri.value}
    for term in {t.predicate.value for t in triples} | set(counts) | subjects:
        if term in known and term not in named:
            named[term] = known[term]
    return Description(iri, triples, named, incoming, counts, where, truncated, linked)
