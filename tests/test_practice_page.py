"""The practice page (templates/practice.html with publisher/web/practice_page.py's values) writes what it
wrote with the shared macros and the rows present.py made for them (metric_rows, partner_rows below): every
practice of the bundled build
and of a generated one (contacts, partners, attachments, publications), in both languages, through two
hosts, byte for byte."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from markupsafe import Markup, escape

# practice.html as it was before its values were made in Python and the macros written inline
MACRO_PAGE = """{% extends "base.html" %}
{% from "resource_macros.html" import head_links, formats_block, iri_line, incoming_section %}
{% from "attachments_list.html" import attachments_section %}
{% from "also_in.html" import registries %}
{% block title %}{{ v.title }}{% endblock %}
{% block head %}{{ head_links(formats, jsonld) }}{% endblock %}
{% block main %}
{% set place = card.place if card else {} %}
<article class="practice">
<h1>{{ v.title_html }}</h1>
{{ iri_line(iri) }}
{#- "Also in" (templates/also_in.html) #}
{% set found = also_in_found if also_in_found is defined else also_in_links(iri) if iri else [] -%}
{{ registries(found) }}
{% set summary = v.text('dct:abstract') %}
{% if summary %}<section class="summary"><h2>{{ _("Summary") }}</h2>
{% set text_lang = v.lang_attr('dct:abstract') %}{% for p in paragraphs(summary) %}<p{{ text_lang }}>{{ p }}</p>{% endfor %}</section>{% endif %}
{% set description = v.text('dct:description') %}
{% if description %}<section class="description"><h2>{{ _("Description") }}</h2>
{% set text_lang = v.lang_attr('dct:description') %}{% for p in paragraphs(description) %}<p{{ text_lang }}>{{ p }}</p>{% endfor %}</section>{% endif %}
<section class="metric"><h2>{{ _("Record card") }}</h2>
<table>
{% for name, value in metric_rows(v, card) %}<tr><th scope="row">{{ name }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
</section>
{% if card and card.partners %}
<section class="partners"><h2>{{ _("Partners") }}</h2>
<table>
<thead><tr><th scope="col">{{ _("Name") }}</th><th scope="col">{{ _("Sector") }}</th><th scope="col">{{ _("Role") }}</th></tr></thead>
<tbody>{% for name, sector, role in partner_rows(v, card) %}<tr><td>{{ name }}</td><td>{{ sector }}</td><td>{{ role }}</td></tr>
{% endfor %}</tbody></table>
{% if v.value('bdp:partnership') %}<p>{{ _("The partnership as a record of its own") }}: {{ v.link(v.value('bdp:partnership')) }}</p>{% endif %}
</section>
{% endif %}
{{ attachments_section(documents_found if documents_found is defined else practice_documents(iri)) }}
{{ incoming_section(v, d, pager) }}
{{ formats_block(formats) }}
</article>
{% endblock %}"""


def metric_rows(v, card) -> list[tuple[str, Markup]]:
    """The "Metryka" table as present.py made it for MACRO_PAGE: (head, cell HTML), in the old bank's order."""
    from publisher.web.present import metric_texts

    place = card.place if card else {}
    texts = metric_texts()
    contacts = []
    for c in card.contacts if card else ():
        text = v.link(c.get("name"))
        if c.get("job"):
            text += Markup(", ") + v.link(c["job"])
        for key in ("tel", "email"):
            if c.get(key):
                text += Markup("<br>") + escape(texts[key]) + Markup(": ") + v.link(c[key])
        contacts.append(Markup('<div class="contact">') + text + Markup("</div>"))
    rows = [("entered", v.link(v.value("dct:issued"))), ("modified", v.link(v.value("dct:modified"))),
            ("unit_type", v.link(v.value("bdp:unitType"))), ("town", v.link(place.get("town"))),
            ("voivodeship", v.link(place.get("voivodeship"))), ("postal_code", v.link(place.get("postal"))),
            ("implementing_unit", v.link(v.value("bdp:implementingUnit"))),
            ("street", v.link(place.get("street"))),
            ("websites", v.link_list(v.values("foaf:page"), "<br>")),
            ("population", v.link(place.get("population"))), ("teryt", v.link(place.get("teryt"))),
            ("coordinates", Markup(f"{escape(place['lat'].value)}, {escape(place['long'].value)}")
             if "lat" in place and "long" in place else Markup("")),
            ("contacts", Markup("").join(contacts) or Markup('<span class="muted">') + escape(texts["none"])
             + Markup("</span>")),
            ("themes", Markup(", ").join(map(v.link, v.values("dct:subject")))),
            ("funding", Markup(", ").join(map(v.link, v.values("bdp:funding"))))]
    optional = {"modified", "teryt", "coordinates"}
    return [(texts[key], value) for key, value in rows if value or key not in optional]


def partner_rows(v, card) -> list[tuple[Markup, Markup, Markup]]:
    """The partners' table as present.py made it for MACRO_PAGE: (name, sector, role) of each, as links."""
    return [(v.link(p.get("org")), v.link(p.get("sector")), v.link(p.get("role"))) for p in card.partners]


@pytest.mark.parametrize("out", ["built", "generated_practices"])
def test_the_practice_page_writes_what_the_macros_and_present_s_rows_wrote(out, request, settings):
    from jinja2 import ChoiceLoader, DictLoader

    from publisher.web import create_app
    from tests.conftest import close_store

    folder = request.getfixturevalue(out)
    apps = [create_app(settings.with_(out=str(folder))) for _ in range(2)]
    apps[1].jinja_env.loader = ChoiceLoader([DictLoader({"practice.html": MACRO_PAGE}), apps[1].jinja_env.loader])
    apps[1].jinja_env.globals.update(metric_rows=metric_rows, partner_rows=partner_rows)
    store = ox.Store.read_only(str(folder / "store"))
    practice = ox.NamedNode("https://w3id.org/bdp/ontology#Practice")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    paths = sorted(q.subject.value.split("/id/", 1)[1] for q in store.quads_for_pattern(None, rdf_type, practice))
    seen, compared = set(), 0
    try:
        clients = [a.test_client() for a in apps]
        for path in paths:
            for host in ("http://a.example", "http://b.example"):
                for lang in ("pl", "en"):
                    url = f"/doc/{path}.html?lang={lang}"
                    new, old = (c.get(url, base_url=host) for c in clients)
                    assert new.status_code == old.status_code == 200, url
                    assert new.text == old.text, (host, url)
                    compared += 1
                    seen.update(m for m in ('class="contact"', 'class="partners"', 'class="attachments"',
                                            'class="summary"', 'class="also-in"', 'lang="pl"', "<time")
                                if m in new.text)
    finally:
        for a in apps:
            close_store(a)
    assert compared == 4 * len(paths) and len(paths) >= (1 if out == "built" else 30)
    wanted = {'class="partners"', 'class="summary"', 'lang="pl"', "<time"}
    wanted |= {'class="attachments"', 'class="also-in"'} if out == "built" else {'class="contact"'}
    assert wanted <= seen, wanted - seen


def test_a_kept_link_follows_the_list_of_labels_the_page_names_it_from(built, settings):
    """practice_page keeps the links of shared terms for the build, but a page whose tables name a term
    from another list of label triples (another build's, a renamed organisation) shows that name."""
    from publisher.read.cards import PracticeCard
    from publisher.read.resources import Description
    from publisher.web import create_app
    from publisher.web.documents import known_labels, shared_links
    from publisher.web.practice_page import practice_page
    from publisher.web.present import Presenter
    from publisher.web.render import iri_map
    from tests.conftest import close_store

    practice, org = "https://w3id.org/bdp/id/practice/p", "https://w3id.org/bdp/id/organisation/o"
    unit = ox.NamedNode("https://w3id.org/bdp/ontology#implementingUnit")
    pref = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")

    def cell(name: str, labels: list | None = None) -> str:
        labels = labels or [ox.Triple(ox.NamedNode(org), pref, ox.Literal(name, language="pl"))]
        d = Description(ox.NamedNode(practice), [ox.Triple(ox.NamedNode(practice), unit, ox.NamedNode(org))],
                        {org: labels})
        v = Presenter(d, iri_map(), "pl", {}, known_labels())
        rows = dict(practice_page(v, PracticeCard(), shared_links().texts("pl")).metric)
        return str(rows[shared_links().texts("pl")["implementing_unit"]]), labels

    app = create_app(settings.with_(out=str(built)))
    try:
        with app.test_request_context("/doc/practice/p?lang=pl"):
            app.preprocess_request()
            first, labels = cell("Fundacja <A>")
            assert first == '<a href="http://localhost/doc/organisation/o">Fundacja &lt;A&gt;</a>'
            assert cell("", labels)[0] == first                                  # the same list: kept
            assert cell("Fundacja B")[0].endswith(">Fundacja B</a>")                   # another list: its name
    finally:
        close_store(app)
