"""The base IRI a build was made with, read from the build (OUT/build.json) and, in remote mode, from the
published store (the catalogue's named graph is `{base}catalog`, holding the catalogue `{base}catalog`),
so that `bdp serve` need not be told twice: the server takes it from there, and refuses to start when
a base IRI set by hand (flag or BDP_BASE_URI) or the two sources disagree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from publisher.config import SETTINGS
from publisher.errors import BdpError, SettingsError

DEFAULT_BASE = next(s.default for s in SETTINGS if s.name == "base_uri")
CATALOG_SUFFIX = "catalog"


def build_base(out: Path) -> str | None:
    """The base IRI in OUT/build.json; None when there is no build (or it does not say)."""
    try:
        manifest = json.loads((Path(out) / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    base = manifest.get("base_uri") if isinstance(manifest, dict) else None
    return base if isinstance(base, str) and base else None


def published_base(settings: Any) -> str | None:
    """The base IRI of the dataset published in the remote store; None when it holds no catalogue or
    cannot be asked now (the server reports an unreachable store on its own)."""
    from publisher.store.remote import RemoteStore

    store = RemoteStore(settings)
    try:
        graphs = store.catalog_graphs()
    except BdpError:
        return None
    finally:
        store.close()
    bases = sorted({g[: -len(CATALOG_SUFFIX)] for g in graphs if g.endswith(CATALOG_SUFFIX)})
    if len(bases) > 1:
        raise SettingsError(f"setting base_uri: the SPARQL store holds catalogues of several bases "
                            f"({', '.join(bases)}); set base_uri to the one to serve")
    return bases[0] if bases else None


def settle_base_uri(settings: Any) -> Any:
    """`settings` with the base IRI the build (and the published store) were made with."""
    found = {"the build in OUT": build_base(settings.out)}
    if settings.store == "remote":
        found["the SPARQL store"] = published_base(settings)
    known = {where: base for where, base in found.items() if base}
    if len(set(known.values())) > 1:
        said = "; ".join(f"{where}: {base}" for where, base in known.items())
        raise SettingsError(f"setting base_uri: the build and the published store disagree ({said}); "
                            "publish this build or serve the build that was published")
    if not known:
        return settings
    built = next(iter(known.values()))
    if settings.base_uri not in (built, DEFAULT_BASE):
        where = next(iter(known))
        raise SettingsError(f"setting base_uri: {settings.base_uri!r} is set, but {where} was made with "
                            f"{built!r}; leave base_uri unset (it is read from the build) or rebuild")
    return settings if settings.base_uri == built else settings.with_(base_uri=built)
