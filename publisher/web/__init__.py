"""The Flask application: `create_app(settings)` builds one app; nothing is global.

The store is opened lazily once per process (a gunicorn worker opens its own, read-only, after the fork)
and reached through `current_store()` (queries sent by anyone: /sparql, /queries) or `site_store()` (the
read models' own bounded queries: documents, pages, lists; the embedded store answers these in process).
When a new build is swapped into OUT (`bdp build` renames a finished directory in), the next request opens
the new store and drops what was cached from the old build (`build_cache()`). Blueprints do HTTP only:
they ask the store and render."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from types import FunctionType
from typing import Any

from flask import Flask, current_app, g, has_app_context
from werkzeug.middleware.proxy_fix import ProxyFix

from publisher.config import Settings, load_settings
from publisher.read.built import settle_base_uri
from publisher.store import Store, open_store
from publisher.web import templating

# One module per HTTP concern, each exposing `bp`; registered in this order.
BLUEPRINTS = ("home", "resources", "sparql", "queries", "catalog", "feed", "linking", "pages", "submit")


class App(Flask):
    """Flask, with `ensure_sync`'s answer kept per function: Flask asks it of every context processor and
    hook on every request and render, and a function does not turn into a coroutine function later."""

    _sync: dict[Callable[..., Any], Callable[..., Any]]

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        cache = self.__dict__.setdefault("_sync", {})
        found = cache.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if isinstance(func, FunctionType) and len(cache) < 1024:   # not bound methods, made per access
                cache[func] = found
        return found


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings if settings is not None else load_settings(overrides)
    if overrides and settings is not None:
        settings = settings.with_(**overrides)
    settings = settle_base_uri(settings)     # the base IRI the build was made with (SettingsError: disagree)
    app = App(__name__)
    app.jinja_environment = templating.Environment    # each template's globals a dict (templating.py)
    app.config["BDP"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["bdp_store"] = None
    app.extensions["bdp_build_key"] = None
    app.extensions["bdp_build_cache"] = {}
    app.extensions["bdp_store_lock"] = threading.Lock()
    if not settings.public_url:
        # Behind a reverse proxy: X-Forwarded-Proto/Host/Prefix give the public base of every link.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1,  # type: ignore
                                x_prefix=1)
    from publisher.web import errors, headers, i18n

    errors.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    for name in BLUEPRINTS:
        module = importlib.import_module(f"publisher.web.{name}")
        app.register_blueprint(module.bp)
    return app


def settings() -> Settings:
    return current_app.config["BDP"]


def build_key(out: Path) -> tuple[int, int, int] | None:
    """The identity of the build in `out` (its build.json's inode, mtime, size): a new build, a new key;
    None while there is none (or in the instant between the two renames of a swap)."""
    try:
        stat = (Path(out) / "build.json").stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def current_store() -> Store:
    """The app's store, opened on first use in this process and again when a new build is swapped in (the
    old one closes when the last request using it lets it go)."""
    if has_app_context() and "bdp_store" in g:     # looked at once an app context (a request has its own)
        return g.bdp_store
    app = current_app
    ext = app.extensions
    store, key = ext.get("bdp_store"), build_key(app.config["BDP"].out)
    if store is None or (key is not None and key != ext.get("bdp_build_key")):
        with ext["bdp_store_lock"]:
            store = ext.get("bdp_store")
            if store is None or (key is not None and key != ext.get("bdp_build_key")):
                store = open_store(app.config["BDP"])
                ext["bdp_store"], ext["bdp_build_key"], ext["bdp_build_cache"] = store, key, {}
    if has_app_context():
        g.bdp_store, g.bdp_build_cache = store, ext["bdp_build_cache"]
    return store


def site_store() -> Store:
    """The handle for the read models' own bounded queries (`Store.site()`): the same data as
    `current_store()`, answered the fastest way the backend has."""
    return current_store().site()


def build_cache() -> dict[str, Any]:
    """Values computed from the build served (labels of terms, list counts, the manifest): emptied when a
    new build is swapped in."""
    if has_app_context():       # the store already looked at in this app context: one look-up of `g`
        kept = getattr(g._get_current_object(), "bdp_build_cache", None)
        if kept is not None:
            return kept
    current_store()
    return g.bdp_build_cache if has_app_context() else current_app.extensions["bdp_build_cache"]
