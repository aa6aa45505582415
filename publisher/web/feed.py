"""The change feed over HTTP: `/feed/` (the Linked Data Event Stream) and `/feed/{page}`, in TriG or
N-Quads (Accept, or a .trig/.nq suffix), from the TriG files the build wrote into OUT/feed/
(publisher/outputs/feed.py; N-Quads made from them on request). Page URLs in the files are rebased to this
server's public URL; ETags are digests of the file and the format, so a harvester polling the last page
it read costs a 304 until a build adds pages."""

from __future__ import annotations

import hashlib
import re
from typing import cast

import pyoxigraph as ox
from flask import Blueprint, Response, request

from publisher.formats import QUAD_FORMATS, Format, negotiate
from publisher.outputs.feed import FEED
from publisher.web import settings
from publisher.web.catalog import _cache, public_base
from publisher.web.errors import abort_with

bp = Blueprint("feed", __name__)

_NAME = re.compile(r"^[0-9TZ]+-[0-9]+-[0-9]+$")
_SUFFIXES = {f.suffix: f for f in QUAD_FORMATS}


@bp.get("/feed/")
def stream() -> Response:
    return _send("index", None, negotiated=True)


@bp.get("/feed/<name>")
def page(name: str) -> Response:
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return _send(name, None, negotiated=True)
    if suffix not in _SUFFIXES:
        abort_with(404, f"the feed's pages are offered as {', '.join('.' + s for s in _SUFFIXES)}")
    return _send(stem, _SUFFIXES[suffix], negotiated=False)


def _send(name: str, fmt: Format | None, negotiated: bool) -> Response:
    if name != "index" and not _NAME.match(name):
        abort_with(404, f"there is no page {name!r} in the change feed")
    if fmt is None:
        fmt = negotiate(request.headers.get("Accept"), QUAD_FORMATS)
        if fmt is None:
            abort_with(406, "the change feed is available as "
                            + ", ".join(f.media_type for f in QUAD_FORMATS))
    path = settings().out / FEED / f"{name}.trig"
    try:
        body = path.read_bytes()
    except OSError:
        abort_with(404, f"there is no page {name!r} in the change feed (it may be older than the builds kept)")
    built, public = _cache().facts.public, public_base()
    if public != built:
        body = body.replace(f"<{built}{FEED}/".encode(), f"<{public}{FEED}/".encode())
    tag = hashlib.sha256(body + fmt.name.encode()).hexdigest()[:32]
    if fmt.name != "trig":
        body = cast(bytes, ox.serialize(ox.parse(body, format=ox.RdfFormat.TRIG), format=fmt.rdf_format))
    response = Response(body, mimetype=fmt.media_type)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{public}{FEED}/{name}.{fmt.suffix}"
    return cast(Response, response.make_conditional(request))

