"""Settings as data: one declared table drives the defaults, the environment variables, `--help` and the
docs (docs/settings.md is checked against it by a test). A `Settings` value is frozen and validated at
start-up; nothing imports settings as a global."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, make_dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from publisher.errors import SettingsError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("base_uri", "https://w3id.org/bdp/", "Base of every instance IRI: {base}id/{type}/{key}."),
    Setting("public_url", "", "Public URL prefix the server answers under (behind a proxy); empty: taken "
            "from the request, honouring X-Forwarded-Proto/Host/Prefix."),
    Setting("out", Path("out"), "Build output directory (store, dumps, catalogue) that the server reads.", Path),
    Setting("data", Path("data"), "Source records directory.", Path),
    Setting("store", "embedded", "Store backend: 'embedded' (Oxigraph on disk) or 'remote' (SPARQL 1.1)."),
    Setting("sparql_endpoint", "", "Remote backend: the SPARQL 1.1 query endpoint URL."),
    Setting("update_endpoint", "", "Remote backend: the SPARQL 1.1 update endpoint URL (bdp publish)."),
    Setting("graph_store", "", "Remote backend: the Graph Store HTTP Protocol URL (bdp publish)."),
    Setting("graph", "", "Remote backend: the named graph holding the dataset; empty: the default graph."),
    Setting("query_timeout", 10.0, "Time limit of one SPARQL query, in seconds.", float),
    Setting("query_workers", 2, "Embedded store: query processes per server process that run /sparql and "
            "/queries queries, each killed at query_timeout (the site's own pages read in process).", int),
    Setting("row_cap", 10000, "Most rows (or triples) one query result returns; more are cut and flagged.", int),
    Setting("max_request_bytes", 65536, "Largest SPARQL request body or query string accepted.", int),
    Setting("service_allowlist", "", "Space-separated SPARQL endpoints that SERVICE may call; empty: none.", str),
    Setting("page_size", 50, "Items on one page of a list or of a resource's links.", int),
    Setting("licence", "http://creativecommons.org/licenses/by/4.0/", "Licence of the dataset."),
    Setting("publisher_name", "Bank Dobrych Praktyk", "Publisher of the dataset (DCAT foaf:name)."),
    Setting("publisher_url", "https://w3id.org/bdp/", "Publisher's home page."),
    Setting("contact_email", "bdp@example.org", "Contact point e-mail of the dataset (DCAT)."),
    Setting("publisher_type", "NonProfitOrganisation", "Kind of publisher (DCAT dct:type), an ADMS publisher "
            "type: NonProfitOrganisation, NonGovernmentalOrganisation, LocalAuthority, RegionalAuthority, "
            "NationalAuthority, Academia-ScientificOrganisation or Company."),
    Setting("tile_url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "Map tile URL template."),
    Setting("attachment_max_bytes", 20 * 1024 * 1024, "Largest attachment or publication file the build "
            "accepts, in bytes.", int),
    Setting("feed_builds", 10, "Builds whose changes the change feed (LDES, /feed/) keeps; older versions "
            "are in the dump only.", int),
    Setting("lang", "pl", "Default language of pages and messages: 'pl' or 'en'."),
    Setting("wikidata_endpoint", "https://query.wikidata.org/sparql", "SPARQL endpoint `bdp link wikidata` "
            "reconciles with (Wikidata's, or a mirror)."),
)

ENV_PREFIX = "BDP_"


def _with(self: Any, **changes: Any) -> Any:
    return load_settings(changes, base=self, environ={})


def _allowed_services(self: Any) -> frozenset[str]:
    return frozenset(self.service_allowlist.split())


# The dataclass is made from the table above, so a setting is declared once.
Settings = make_dataclass(
    "Settings",
    [(s.name, s.kind if s.kind is not str else str, field(default=s.default)) for s in SETTINGS],
    frozen=True,
    namespace={"with_": _with, "allowed_services": property(_allowed_services),
               "__doc__": "Validated settings of one build or server (see SETTINGS)."},
)


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None:
        return setting.default
    try:
        if setting.kind is Path:
            return Path(value)
        return setting.kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {setting.name}: {value!r} is not a {setting.kind.__name__}") from None


def _check(s: Settings) -> Any:
    base = urlsplit(s.base_uri)
    if base.scheme not in ("http", "https") or not base.netloc or not s.base_uri.endswith("/"):
        raise SettingsError(f"setting base_uri: {s.base_uri!r} must be an http(s) URI ending in '/'")
    if s.public_url:
        pub = urlsplit(s.public_url)
        if pub.scheme not in ("http", "https") or not pub.netloc:
            raise SettingsError(f"setting public_url: {s.public_url!r} must be an absolute http(s) URL")
    if s.store not in ("embedded", "remote"):
        raise SettingsError(f"setting store: {s.store!r} must be 'embedded' or 'remote'")
    if s.store == "remote" and not s.sparql_endpoint:
        raise SettingsError("setting sparql_endpoint: the remote store needs a SPARQL endpoint URL")
    if s.query_timeout <= 0 or s.row_cap <= 0 or s.max_request_bytes <= 0 or s.page_size <= 0:
        raise SettingsError("settings query_timeout, row_cap, max_request_bytes and page_size must be positive")
    if not 1 <= s.query_workers <= 64:
        raise SettingsError(f"setting query_workers: {s.query_workers!r} must be a whole number from 1 to 64")
    if s.feed_builds < 1:
        raise SettingsError(f"setting feed_builds: {s.feed_builds!r} must be at least 1")
    if s.lang not in ("pl", "en"):
        raise SettingsError(f"setting lang: {s.lang!r} must be 'pl' or 'en'")
    from publisher.eu_vocab import PUBLISHER_TYPES

    if s.publisher_type not in PUBLISHER_TYPES:
        raise SettingsError(f"setting publisher_type: {s.publisher_type!r} must be one of {', '.join(PUBLISHER_TYPES)}")
    return s


def load_settings(overrides: Mapping[str, Any] | None = None, *, base: Any = None,
                  environ: Mapping[str, str] | None = None) -> Any:
    """Defaults, then BDP_* environment variables, then `overrides` (flags, test settings)."""
    environ = os.environ if environ is None else environ
    known = {s.name: s for s in SETTINGS}
    values: dict[str, Any] = {f.name: getattr(base, f.name) for f in fields(Settings)} if base else {}
    for s in SETTINGS:
        env = environ.get(ENV_PREFIX + s.name.upper())
        if env is not None:
            values[s.name] = _coerce(s, env)
    for name, value in (overrides or {}).items():
        if name not in known:
            raise SettingsError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = _coerce(known[name], value)
    settings = replace(Settings(), **values) if values else Settings()
    if settings.store == "embedded" and settings.sparql_endpoint and "store" not in (overrides or {}):
        settings = replace(settings, store="remote")
    return _check(settings)
