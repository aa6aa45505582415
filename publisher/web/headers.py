"""The headers every response shares: CORS for browser linked-data clients, and `Vary` for HTML.

One rule for the whole site (a static export's server configuration mirrors it):
- Every response: `Access-Control-Allow-Origin: *` (the data is public; no credentials are ever used) and
  the headers a client reads exposed (Link, ETag, Last-Modified, Location, Content-Location, Vary,
  X-BDP-Truncated).
- A CORS preflight (OPTIONS with `Access-Control-Request-Method`) to any route: 204 with the route's
  methods and the request headers the client asked for (a long `Accept` or `If-None-Match` is not
  "safelisted", so browsers ask first; linked-data clients such as Comunica send both), cached a day.
- Every HTML response varies with `Accept-Language` (pages are Polish or English by it) besides `Accept`
  where negotiated."""

from __future__ import annotations

import re

from flask import Flask, Response, request

EXPOSED = "Link, ETag, Last-Modified, Location, Content-Location, Vary, X-BDP-Truncated"
MAX_AGE = "86400"
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
MAX_HEADERS = 20


def preflight() -> Response | None:
    """The answer to a CORS preflight for the matched route; None for any other request (or no route)."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    rule = request.url_rule
    if rule is None:
        return None
    methods = ", ".join(sorted((rule.methods or set()) | {"OPTIONS"}))
    asked = request.headers.get("Access-Control-Request-Headers", "")
    names = [h.strip() for h in asked.split(",") if _HEADER_NAME.match(h.strip())][:MAX_HEADERS]
    response = Response(status=204)
    response.headers["Allow"] = methods
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Allow-Headers"] = ", ".join(names) or "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = MAX_AGE
    return response


def shared_headers(response: Response) -> Response:
    """CORS on every response; Accept-Language in Vary on every HTML one."""
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers", EXPOSED)
    if response.mimetype == "text/html":
        vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
        if "accept-language" not in (v.lower() for v in vary):
            response.headers["Vary"] = ", ".join([*vary, "Accept-Language"])
    return response


def init_app(app: Flask) -> None:
    app.before_request(preflight)
    app.after_request(shared_headers)
