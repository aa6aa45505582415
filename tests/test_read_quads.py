"""read.quads.all_labels: every IRI's label triples read in one pass over the label predicates, each IRI's
in the order a read of that IRI finds them (so a document written with them holds the same bytes), and a
cache that says "no labels" for an IRI it does not hold instead of reading the store."""

from __future__ import annotations

import itertools

import pyoxigraph as ox

from publisher.read import quads
from publisher.read.resources import describe
from publisher.store.embedded import EmbeddedStore

LABELS = sorted(quads.LABEL_PREDICATES)
EX = "https://w3id.org/bdp/id/test/"


def _every_labelled_iri(store: ox.Store) -> set[str]:
    return {q.subject.value for p in LABELS for q in store.quads_for_pattern(None, ox.NamedNode(p), None, ox.DefaultGraph())
            if isinstance(q.subject, ox.NamedNode)}


def test_all_labels_holds_what_a_read_of_each_iri_finds_in_its_order(tmp_path):
    """IRIs labelled by every combination of the three predicates, two or three literals each, beside
    other triples and a blank node with a label: the same lists, in the same order, as label_triples."""
    store = ox.Store(str(tmp_path / "store"))
    quads_in = []
    combos = [c for n in (1, 2, 3) for c in itertools.combinations(LABELS, n)]
    for i, combo in enumerate(combos):
        for j in range(12):                      # several IRIs a combination: their keys sort differently
            s = ox.NamedNode(f"{EX}{i}-{j}")
            quads_in.append(ox.Quad(s, ox.NamedNode("http://www.w3.org/ns/org#role"), ox.NamedNode(EX + "r")))
            for p in combo:
                for text, lang in (("Ala", "pl"), ("Ola", "en"), ("Zet", None)):
                    literal = ox.Literal(f"{text} {i} {j}", language=lang) if lang else ox.Literal(text)
                    quads_in.append(ox.Quad(s, ox.NamedNode(p), literal))
    blank = ox.BlankNode()
    quads_in.append(ox.Quad(blank, ox.NamedNode(LABELS[0]), ox.Literal("a blank node's label")))
    quads_in.append(ox.Quad(ox.NamedNode(EX + "other"), ox.NamedNode(LABELS[0]), ox.Literal("in a graph"),
                            ox.NamedNode(EX + "graph")))
    store.extend(quads_in)
    found = quads.all_labels(store)
    assert set(found) == {f"{EX}{i}-{j}" for i in range(len(combos)) for j in range(12)}
    for iri, triples in found.items():
        assert triples == quads.label_triples(store, ox.NamedNode(iri), {}), iri
    # the reordering was needed for some combination, or the test would show nothing
    assert any([t.predicate.value for t in triples] != sorted(t.predicate.value for t in triples)
               for triples in found.values())


def test_all_labels_of_the_bundled_build_and_descriptions_read_with_it(built):
    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        found = quads.all_labels(site.oxigraph)
        labelled = _every_labelled_iri(site.oxigraph)
        assert set(found) == labelled and len(labelled) > 50
        mixed = 0
        for iri in labelled:
            triples = quads.label_triples(site.oxigraph, ox.NamedNode(iri), {})
            assert found[iri] == triples, iri
            mixed += len({t.predicate for t in triples}) > 1
        assert mixed >= 3, mixed
        # an IRI the cache does not hold has no labels: no read of the store, and nothing kept
        mail = ox.NamedNode("mailto:nobody@example.org")
        assert quads.label_triples(site.oxigraph, mail, found) == [] and mail.value not in found
        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        iris = sorted({q.subject.value for q in site.oxigraph.quads_for_pattern(None, rdf_type, None)
                       if isinstance(q.subject, ox.NamedNode) and "/id/" in q.subject.value})
        for iri in iris:
            for page in (1, 2):
                a = describe(site, ox.NamedNode(iri), page=page, page_size=2, cache=found)
                b = describe(site, ox.NamedNode(iri), page=page, page_size=2, cache={})
                assert a == b, (iri, page)
        assert len(found) == len(labelled)          # describing added nothing to it
    finally:
        store.close()


def test_an_export_with_the_labels_read_ahead_writes_the_same_files(built, tmp_path):
    """write_documents with every label read before the fork (two workers sharing them) and without (each
    label read when a document names it): the same files, byte for byte."""
    from publisher.config import load_settings
    from publisher.web.export_documents import resources, write_documents

    settings = load_settings({"out": str(built), "public_url": "http://static.bdp.test/"}, environ={})
    paths = list(resources(built / "store", settings.base_uri))
    written = {}
    for ahead in (True, False):
        dest = tmp_path / f"ahead-{ahead}"
        written[ahead] = write_documents(settings, dest, paths, "http://static.bdp.test/", 2, atomic=False,
                                         read_ahead=ahead)
    assert written[True] == written[False] and written[True][0] == len(paths) >= 10
    names = sorted(p.relative_to(tmp_path / "ahead-True") for p in (tmp_path / "ahead-True").rglob("*.*"))
    assert len(names) == written[True][1]
    for name in names:
        assert (tmp_path / "ahead-True" / name).read_bytes() == (tmp_path / "ahead-False" / name).read_bytes(), name
