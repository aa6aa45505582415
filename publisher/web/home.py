"""The landing page and the static files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from publisher.read.stats import dataset_stats
from publisher.web import current_store
from publisher.web.i18n import link_lang

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
        links = cache[root] = {"nav_links": nav, "site_links": {
            "css": url_for("home.static", filename="bdp.css"), "home": url_for("home.index"),
            "nav": [(url_for(e), k) for e, k in nav]}}
    return links


@bp.get("/")
def index() -> str:
    return render_template("home.html", stats=dataset_stats(current_store()))
