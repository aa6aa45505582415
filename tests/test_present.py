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


# resource.html as it was before it wrote the pieces of resource_macros.html inline
MACRO_PAGE = """{% extends "base.html" %}
{% from "resource_macros.html" import head_links, formats_block, iri_line, also_in, property_table, incoming_section %}
{% block title %}{{ v.title }}{% endblock %}
{% block head %}{{ head_links(formats, jsonld) }}{% endblock %}
{% block main %}
<article class="resource">
<h1>{{ v.title_html }}</h1>
{{ iri_line(iri) }}
{{ also_in(v) }}
{{ property_table(v) }}
{{ incoming_section(v, d, pager) }}
{{ formats_block(formats) }}
</article>
{% endblock %}"""


def test_the_generic_page_writes_what_the_shared_macros_write(built, settings):
    """resource.html writes inline the markup of resource_macros.html's pieces: every generic page of the
    bundled build, in both languages and on its later pages, is what the macros make of it."""
    from jinja2 import ChoiceLoader, DictLoader

    from publisher.web import create_app
    from tests.conftest import close_store

    apps = [create_app(settings.with_(out=str(built), page_size=2)) for _ in range(2)]
    apps[1].jinja_env.loader = ChoiceLoader([DictLoader({"resource.html": MACRO_PAGE}), apps[1].jinja_env.loader])
    store = ox.Store.read_only(str(built / "store"))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    paths = sorted({q.subject.value.split("/id/", 1)[1] for q in store.quads_for_pattern(None, rdf_type, None)
                    if "/id/" in q.subject.value and q.subject.value.split("/id/", 1)[1].split("/")[0]
                    in ("membership", "place", "partnership", "person")})
    kinds, compared, seen = set(), 0, set()
    try:
        clients = [a.test_client() for a in apps]
        for path in paths:
            for lang in ("pl", "en"):
                for page in (1, 2):
                    url = f"/doc/{path}.html?lang={lang}" + (f"&page={page}" if page > 1 else "")
                    inline, macros = (c.get(url) for c in clients)
                    assert inline.status_code == macros.status_code
                    assert inline.text == macros.text, url
                    if inline.status_code == 200:
                        compared += 1
                        kinds.add(path.split("/")[0])
                        seen.update(m for m in ('rel="next"', 'rel="prev"', '<td><table class="properties">')
                                    if m in inline.text)
    finally:
        for a in apps:
            close_store(a)
    # the bundled build has no person and no owl:sameAs on these kinds (the golden pages check covers those)
    assert kinds == {"membership", "place", "partnership"} and compared >= 12
    assert seen == {'rel="next"', 'rel="prev"', '<td><table class="properties">'}


def test_an_iri_given_as_text_is_linked_by_its_name_without_marking_its_language():
    """(the links' counts of a page name predicates given as text: their name unmarked, as before)"""
    english_only = labels(("Foundation <X>", "en"))
    for _ in range(2):           # made, then shared
        names = Names({ORG: english_only}, LINKS, "pl")
        assert names.link(ORG) == '<a href="http://127.0.0.1:5000/doc/organisation/x">Foundation &lt;X&gt;</a>'
        assert names.link(ox.NamedNode(ORG)) == ('<a href="http://127.0.0.1:5000/doc/organisation/x">'
                                                 '<span lang="en">Foundation &lt;X&gt;</span></a>')
        assert names.label(ORG) == names.label(ox.NamedNode(ORG)) == "Foundation <X>"


def test_a_literal_is_shown_as_the_general_path_shows_it(app):
    xsd = "http://www.w3.org/2001/XMLSchema#"
    literals = [ox.Literal("<b>Wieś</b> & co", language="pl"), ox.Literal("Village", language="en"),
                ox.Literal("plain <i>"), ox.Literal("5438", datatype=ox.NamedNode(xsd + "integer")),
                ox.Literal("12.50", datatype=ox.NamedNode(xsd + "decimal")),
                ox.Literal("x1", datatype=ox.NamedNode(xsd + "integer")),
                ox.Literal("2020-05-05", datatype=ox.NamedNode(xsd + "date")),
                ox.Literal("2020-05-05T10:00:00", datatype=ox.NamedNode(xsd + "dateTime")),
                ox.Literal("not a date<", datatype=ox.NamedNode(xsd + "date"))]
    for lang in ("pl", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()
            names = Names({}, LINKS, lang)
            shown = [names.link(term) for term in literals]
            assert shown == [names._link(term) for term in literals]
    assert shown[0] == '<span lang="pl">&lt;b&gt;Wieś&lt;/b&gt; &amp; co</span>' and shown[3] == "5,438"
    assert shown[6] == '<time datetime="2020-05-05">May 5, 2020</time>' and shown[8].startswith(
        '<time datetime="not a date&lt;">not a date&lt;</time>')


def test_a_linked_iri_s_label_and_link_are_what_the_general_path_makes(app):
    """Names._named makes an IRI's label and link from what both languages share (_parts): the same as
    _label and _link, for named IRIs (in the page's language, the other, or none), unnamed ones, ours,
    others', phone numbers, e-mail addresses, CURIEs, as NamedNodes and as text, in both languages."""
    named = {ORG: labels(("Fundacja <A>", "pl"), ("Foundation A", "en")),
             ORG + "-en": [ox.Triple(ox.NamedNode(ORG + "-en"), PREF, ox.Literal("Only <en>", language="en"))],
             ORG + "-none": [ox.Triple(ox.NamedNode(ORG + "-none"), PREF, ox.Literal("No language"))],
             ORG + "-empty": []}
    iris = [*named, "https://w3id.org/bdp/id/place/%C5%81%C3%B3d%C5%BA", "http://www.w3.org/ns/org#member",
            "tel:%2B48832573466", "mailto:a%40b.pl", "https://example.org/a?b=1&c=2", "urn:x:y",
            "javascript:alert(1)", "https://w3id.org/bdp/def/role/partner"]
    for lang in ("pl", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()
            for _ in range(2):              # made, then found again
                names = Names(named, LINKS, lang)
                for iri in iris:
                    term = ox.NamedNode(iri)
                    assert (names.label(term), names.link(term)) == (names._label(term), names._link(term)), iri
                    assert (names.label(iri), names.link(iri)) == (names._label(iri), names._link(iri)), iri
            if lang == "en":
                assert names.link(ox.NamedNode(ORG)).endswith("/doc/organisation/x?lang=en\">Foundation A</a>")


def test_a_full_table_forgets_its_older_half():
    from publisher.web.present import _forget_older_half

    table = {str(n): n for n in range(10)}
    _forget_older_half(table)
    assert list(table) == [str(n) for n in range(5, 10)]
