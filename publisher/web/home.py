"""The landing page and the static files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from publisher.read.stats import dataset_stats
from publisher.web import current_store

bp = Blueprint("home", __name__, static_folder="static", static_url_path="/static")

# (endpoint, UI label) of the site's sections, in the header of every page; an endpoint that is not
# registered is left out.
NAV = (("resources.browse", "browse"), ("pages.search", "search"), ("pages.map_page", "map"),
       ("queries.index", "queries"), ("sparql.endpoint", "sparql"), ("catalog.catalog", "catalog"),
       ("resources.ontology", "ontology"))


@bp.app_context_processor
def _nav() -> dict[str, Any]:
    from flask import current_app

    endpoints = set(current_app.view_functions)
    return {"nav_links": [(e, k) for e, k in NAV if e in endpoints]}


@bp.get("/")
def index() -> str:
    return render_template("home.html", stats=dataset_stats(current_store()))
