"""Names and links of the pages for people (publisher/web/present.py): what pages of a language share."""

from __future__ import annotations

import pyoxigraph as ox

from publisher.iris import IriMap
from publisher.read.resources import Description
from publisher.web.present import Names, Presenter

LINKS = IriMap("https://w3id.org/bdp/", "http://127.0.0.1:5000/")
ORG = "https://w3id.org/bdp/id/organisation/x"
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


def labels(*texts: tuple[str, str]) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(ORG), PREF, ox.Literal(text, language=lang)) for text, lang in texts]


def test_a_name_changed_in_a_new_list_of_labels_shows_and_the_same_list_is_named_once():
    first = labels(("Fundacja <A>", "pl"), ("Foundation A", "en"))
    page = Names({ORG: first}, LINKS, "pl")
    link = page.link(ox.NamedNode(ORG))
    assert link == '<a href="http://127.0.0.1:5000/doc/organisation/x">Fundacja &lt;A&gt;</a>'
    assert Names({ORG: first}, LINKS, "pl").link(ox.NamedNode(ORG)) is link     # shared by the pages
    assert Names({ORG: first}, LINKS, "en").link(ox.NamedNode(ORG)).endswith(">Foundation A</a>")
    # another build (or another page's table) with other labels: the page shows them, not the kept ones
    renamed = Names({ORG: labels(("Fundacja B", "pl"))}, LINKS, "pl")
    assert renamed.link(ox.NamedNode(ORG)).endswith(">Fundacja B</a>") and renamed.label(ox.NamedNode(ORG)) \
        == "Fundacja B"
    unnamed = Names({}, LINKS, "pl")
    assert unnamed.link(ox.NamedNode(ORG)) == '<a href="http://127.0.0.1:5000/doc/organisation/x">x</a>'
    assert Names({}, IriMap("https://w3id.org/bdp/", "https://example.org/"), "pl").link(
        ox.NamedNode(ORG)) == '<a href="https://example.org/doc/organisation/x">x</a>'


def test_the_page_s_own_resource_is_named_from_its_own_triples_not_from_a_table():
    own = ox.Triple(ox.NamedNode(ORG), PREF, ox.Literal("Nazwa z opisu", language="pl"))
    v = Presenter(Description(ox.NamedNode(ORG), triples=[own]), LINKS, "pl", {ORG: labels(("Inna", "pl"))})
    assert v.title == "Nazwa z opisu" and v.link(ox.NamedNode(ORG)).endswith(">Nazwa z opisu</a>")
    assert Names({ORG: labels(("Inna", "pl"))}, LINKS, "pl").label(ox.NamedNode(ORG)) == "Inna"
