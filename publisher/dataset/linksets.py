"""VoID for the linkset files: one `void:Linkset` per file of data/links/ and (link property, target site),
published as `OUT/links/NAME.nt` (served at {public}links/NAME.nt) and named as a subset of the dataset-wide
linkset that publisher/dataset/void.py describes for the same property and site (`{base}catalog#linkset-N`, which
counts the same links together with any others, e.g. the vocabularies' skos:exactMatch).

The build's catalogue step keeps the figures in the facts (`linkset_facts`), so that the server describes
the same build at its own URL (`linkset_triples`)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, XSD

from publisher.dataset.terms import dataset_iri, node
from publisher.namespaces import VOID

# The target site of a link, as publisher/read/catalog.py LINKS computes it: scheme://host/
SITE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*/?)")
LINKS_DIR = "links"


def linkset_facts(links_dir: Path) -> list[tuple[str, str, str, int]]:
    """(file name, link property, target site, links) for every OUT/links/*.nt, sorted."""
    found: list[tuple[str, str, str, int]] = []
    for path in sorted(links_dir.glob("*.nt")) if links_dir.is_dir() else ():
        groups: Counter[tuple[str, str]] = Counter()
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
            site = SITE.match(triple.object.value)
            groups[(triple.predicate.value, site.group(1) if site else triple.object.value)] += 1
        found += [(path.name, p, target, n) for (p, target), n in sorted(groups.items())]
    return found


def linkset_triples(facts: Any, base: str, public: str) -> list[tuple[str, str, str | ox.Literal]]:
    """The per-file linksets of `facts.linkset_files` as (subject, predicate, object) for dcat.Triples."""

    overall = {(p, target): node(base, f"linkset-{i}") for i, (p, target, _n) in enumerate(facts.linksets, 1)}
    out: list[tuple[str, str, str | ox.Literal]] = []
    for i, (name, p, target, count) in enumerate(getattr(facts, "linkset_files", []), 1):
        linkset = node(base, f"linkset-file-{i}")
        out += [(linkset, str(RDF.type), str(VOID.Linkset)),
                (linkset, str(DCTERMS.title), ox.Literal(name)),
                (linkset, str(VOID.subjectsTarget), dataset_iri(base)),
                (linkset, str(VOID.linkPredicate), p),
                (linkset, str(VOID.triples), ox.Literal(str(count), datatype=ox.NamedNode(str(XSD.integer)))),
                (linkset, str(VOID.dataDump), f"{public}{LINKS_DIR}/{name}")]
        if (p, target) in overall:
            out += [(overall[(p, target)], str(VOID.subset), linkset),
                    (linkset, str(VOID.objectsTarget), node(base, "target-" + _host(target)))]
    return out


def _host(target: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(target).hostname or target
