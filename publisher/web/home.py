"""The landing page and the static files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request, send_from_directory, url_for
from flask_babel import gettext

from publisher.collation import sort_key
from publisher.read.practice_list import latest
from publisher.read.stats import dataset_stats
from publisher.web import build_cache, charts, current_store, settings, site_store
from publisher.web.i18n import link_lang, number
from publisher.web.listing import facets, items
from publisher.web.present import Names
from publisher.web.render import iri_map

bp = Blueprint("home", __name__, static_folder="static", static_url_path="/static")

# (endpoint, UI label) of the site's sections, in the header of every page; an endpoint that is not
# registered is left out.
NAV = (("resources.browse", "browse"), ("pages.search", "search"), ("pages.map_page", "map"),
       ("queries.index", "queries"), ("sparql.endpoint", "sparql"), ("catalog.catalog", "catalog"),
       ("resources.ontology", "ontology"), ("submit.form", "submit"))


@bp.app_context_processor
def _nav() -> dict[str, Any]:
    """`nav_links` (endpoint, UI key) and `site_links`: the URLs every page's header holds, built once per
    process, script root and language of links (url_for costs ~10 us each, nine on every page)."""
    cache = current_app.extensions.setdefault("bdp_site_links", {})
    root = (request.script_root, link_lang())      # the links carry `lang` on pages not in the default one
    links = cache.get(root)
    if links is None:
        endpoints = set(current_app.view_functions)
        if not current_app.config["BDP"].intake:     # the form is off: no link to it (docs/intake.md)
            endpoints.discard("submit.form")
        nav = [(e, k) for e, k in NAV if e in endpoints]
        links = cache[root] = {"nav_links": nav, "site_links": SiteLinks(
            css=url_for("home.static", filename="bdp.css"), home=url_for("home.index"),
            icon=url_for("home.static", filename="favicon.svg"), nav=[(url_for(e), k) for e, k in nav])}
    return links


@dataclass(frozen=True)
class SiteLinks:
    """The header's URLs; attributes, since `site_links.css` in a template looks for one first (on a dict
    it raises and catches AttributeError before trying the key)."""

    css: str
    home: str
    icon: str
    nav: list[tuple[str, str]]


NEWEST = 6


@bp.get("/")
def index() -> str:
    """The front door: search, the seven themes with counts, the newest and recently updated practices,
    practices by voivodeship, the counts, and what the data is and how to reuse it."""
    lang = g.get("lang", "pl")
    stats = build_cache().get("stats")
    if stats is None:
        stats = build_cache()["stats"] = dataset_stats(current_store())
    by_name = {f.name: f for f in facets()}
    names = Names({k: v for f in by_name.values() for k, v in f.labels.items()}, iri_map(), lang)

    def counts(facet: str) -> list[tuple[str, int, str]]:
        found = by_name.get(facet)
        rows = [(c, n, url_for("resources.browse_list", facet=facet, key=c.rsplit("/", 1)[-1]))
                for c, n in (found.concepts if found else [])]
        return sorted(rows, key=lambda r: sort_key(names.label(r[0]), lang))

    latest_found = build_cache().get("latest")
    if latest_found is None:        # from the search index; without one, seconds at 100,000 practices
        out = settings().out
        latest_found = build_cache()["latest"] = (latest(site_store(), "issued", NEWEST, out),
                                                  latest(site_store(), "modified", 2 * NEWEST, out))
    newest_iris = latest_found[0]
    updated_iris = [i for i in latest_found[1] if i not in newest_iris][:NEWEST]
    newest, newest_names = items(newest_iris)
    updated, updated_names = items(updated_iris)
    voivodeships = sorted(counts("voivodeship"), key=lambda r: -r[1])
    chart = charts.bar_chart([(names.label(c), n, url) for c, n, url in voivodeships],
                             gettext("Practices by voivodeship"), number)
    return render_template("home.html", stats=stats, themes=counts("theme"), names=names,
                           newest=(newest, newest_names), updated=(updated, updated_names),
                           voivodeships=voivodeships, chart=chart, settings=settings())


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on their first visit: the icon, not a 404."""
    return send_from_directory(Path(__file__).parent / "static", "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)
