"""Content negotiation (publisher/formats.py): Werkzeug parses the Accept header (the parser behind
request.accept_mimetypes); the choice among our formats is ours, because Werkzeug's best_match cannot
see that an alias is the same format, nor keep the client's order of equal preferences."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from publisher.formats import BY_NAME, DOCUMENT_FORMATS, RESULT_FORMATS, negotiate


def _name(fmt):
    return fmt.name if fmt else None


def test_werkzeug_best_match_gives_a_refused_format_through_its_alias():
    """`*/*, text/turtle;q=0`: anything but Turtle. Our table offers Turtle also as its alias
    application/x-turtle; best_match over the offered media types lets `*/*` match the alias and answers
    Turtle, and it cannot rank an alias below the primary type. negotiate maps each range to our formats."""
    header = "*/*, text/turtle;q=0"
    offered = [t for f in DOCUMENT_FORMATS for t in (f.media_type, *f.aliases)]
    assert parse_accept_header(header, MIMEAccept).best_match(offered) in BY_NAME["ttl"].aliases
    assert _name(negotiate(header, DOCUMENT_FORMATS)) == "jsonld"


def test_werkzeug_best_match_ignores_the_clients_order_of_equal_preferences():
    """Equal q: Werkzeug takes the server's order, we keep the client's (as bdp always has)."""
    header = "text/html, application/rdf+xml"
    assert parse_accept_header(header, MIMEAccept).best_match([f.media_type for f in DOCUMENT_FORMATS]) == \
        "application/rdf+xml"
    assert _name(negotiate(header, DOCUMENT_FORMATS)) == "html"


@pytest.mark.parametrize(("header", "offered", "chosen"), [
    ("", DOCUMENT_FORMATS, "ttl"),                                   # no preference: our first
    (None, RESULT_FORMATS, "json"),
    ("application/ld+json, text/turtle", DOCUMENT_FORMATS, "jsonld"),  # equal q: the client's order
    ("text/turtle;q=0.5, application/ld+json;q=0.9", DOCUMENT_FORMATS, "jsonld"),
    ("text/*;q=0.5, text/html", DOCUMENT_FORMATS, "html"),
    ("text/*;q=0, text/html", DOCUMENT_FORMATS, "html"),
    ("application/xml", DOCUMENT_FORMATS, "rdf"),                    # an alias
    ("application/json", RESULT_FORMATS, "json"),
    ("text/plain", DOCUMENT_FORMATS, "nt"),
    ("TEXT/TURTLE", DOCUMENT_FORMATS, "ttl"),
    ("text/html;level=1;q=0.5, image/png", DOCUMENT_FORMATS, "html"),  # parameters of a range ignored
    ("image/png", DOCUMENT_FORMATS, None),                            # 406
    ("application/json;q=0", RESULT_FORMATS, None),
    ("text/turtle;q=abc, text/html;q=0.1", DOCUMENT_FORMATS, "html"),  # an invalid q: the item is skipped
])
def test_negotiate(header, offered, chosen):
    assert _name(negotiate(header, offered)) == chosen


def test_a_parsed_accept_header_is_negotiated_as_its_text():
    for header in ("text/csv;q=0.4, application/sparql-results+xml", "*/*;q=0.1, text/tab-separated-values"):
        assert negotiate(parse_accept_header(header, MIMEAccept), RESULT_FORMATS) == \
            negotiate(header, RESULT_FORMATS)
    assert negotiate(MIMEAccept(), (BY_NAME["html"], BY_NAME["json"])) == BY_NAME["html"]
