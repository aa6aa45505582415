"""The Flask application: `create_app(settings)` builds one app; nothing is global.

The store is opened lazily once per process (a gunicorn worker opens its own, read-only, after the fork)
and reached through `current_store()`. Blueprints do HTTP only: they ask the store and render."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from publisher.config import load_settings
from publisher.store import Store, open_store

# One module per HTTP concern, each exposing `bp`; registered in this order.
BLUEPRINTS = ("home", "resources", "sparql", "queries", "catalog", "linking", "pages")


def create_app(settings: Any = None, **overrides: Any) -> Flask:
    settings = settings if settings is not None else load_settings(overrides)
    if overrides and settings is not None:
        settings = settings.with_(**overrides)
    app = Flask(__name__)
    app.config["BDP"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["bdp_store"] = None
    if not settings.public_url:
        # Behind a reverse proxy: X-Forwarded-Proto/Host/Prefix give the public base of every link.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1,  # type: ignore
                                x_prefix=1)
    from publisher.web import errors, i18n

    errors.init_app(app)
    i18n.init_app(app)
    for name in BLUEPRINTS:
        module = importlib.import_module(f"publisher.web.{name}")
        app.register_blueprint(module.bp)
    return app


def settings() -> Any:
    return current_app.config["BDP"]


def current_store() -> Store:
    """The app's store, opened on first use in this process and kept for its life."""
    app = current_app
    store = app.extensions.get("bdp_store")
    if store is None:
        store = open_store(app.config["BDP"])
        app.extensions["bdp_store"] = store
    return store
