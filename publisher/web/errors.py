"""One error shape everywhere, and CORS on every response (errors included).

Domain errors map to statuses here and only here. The body follows the negotiated format: an HTML page
for browsers, JSON ({"error": {"status", "title", "detail"}}) for JSON clients, plain text otherwise
(never RDF, never a traceback, never a path or a backend URL)."""

from __future__ import annotations

from typing import NoReturn

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from publisher.errors import BdpError, QueryError, QueryRefused, QueryTimeout, SettingsError, StoreUnavailable
from publisher.formats import BY_NAME, negotiate
from publisher.web.i18n import N_

STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (QueryError, 400), (QueryTimeout, 503), (StoreUnavailable, 503), (SettingsError, 500),
)
TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          406: "Not Acceptable", 413: "Payload Too Large", 415: "Unsupported Media Type",
          422: "Unprocessable Content", 429: "Too Many Requests",
          500: "Internal Server Error", 503: "Service Unavailable"}

_ERROR_FORMATS = (BY_NAME["html"], BY_NAME["json"])
# What the page for people says (translated: publisher/web/translations); the detail stays in English.
HEADINGS = {404: N_("Page not found"), 500: N_("Something went wrong on our side"),
            503: N_("The data is not available for a moment")}
HINTS = {404: N_("The address may be mistyped, or the page was moved. Search the practices or start from the "
                 "home page."),
         500: N_("The error has been logged. Try again, or search the practices."),
         503: N_("Try again in a few seconds.")}


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    title = TITLES.get(status, "Error")
    accept = request.headers.get("Accept") if request else None
    wanted = negotiate(accept, _ERROR_FORMATS) if accept and accept != "*/*" else None
    if wanted is not None and wanted.name == "html":
        heading = HEADINGS.get(status, N_("The request could not be answered"))
        hint = HINTS.get(status, N_("The reason is below. Search the practices or start from the home page."))
        response = Response(render_template("error.html", status=status, title=title, detail=detail,
                                            heading=heading, hint=hint),
                            status=status, mimetype="text/html")
    elif accept and ("json" in accept):
        response = jsonify({"error": {"status": status, "title": title, "detail": detail}})
        response.status_code = status
    else:
        response = Response(f"{status} {title}: {detail}\n", status=status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _domain(exc: BdpError) -> Response:
    if isinstance(exc, QueryRefused):
        return error_response(exc.status, str(exc))
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return error_response(status, str(exc), {"Retry-After": "5"} if status == 503 else None)
    return error_response(400, str(exc))


def _http(exc: HTTPException) -> Response:
    headers = {}
    if exc.code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return error_response(exc.code or 500, exc.description or TITLES.get(exc.code or 500, ""), headers)


def _unexpected(exc: Exception) -> Response:
    from flask import current_app

    current_app.logger.exception("unexpected error")
    return error_response(500, "an unexpected error happened; it has been logged")


def init_app(app: Flask) -> None:
    app.register_error_handler(BdpError, _domain)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)


def abort_with(status: int, detail: str) -> NoReturn:
    """Stop a view with the one error shape."""
    from flask import abort

    abort(error_response(status, detail))
