"""The one media-type table and content negotiation (Accept with q-values, `format` parameters and
file suffixes). Views and the store import these names; nothing else lists media types.

One rule for every negotiated URL: HTML is given to clients that name `text/html` (browsers do); `*/*`
or no Accept at all gets data, in the first format a view offers (Turtle for RDF, SPARQL JSON for
results). `application/json` where RDF is offered asks for JSON-LD."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    name: str            # short name used in ?format= and the CLI
    media_type: str      # what we send
    suffix: str          # file suffix on /doc/ and dumps
    kind: str            # "graph" (RDF), "quads" (RDF datasets), "results" (SPARQL SELECT/ASK), "html"
    aliases: tuple[str, ...] = ()   # other media types clients send for the same thing

    @property
    def rdf_format(self) -> ox.RdfFormat:
        return _OX_RDF[self.name]

    @property
    def results_format(self) -> ox.QueryResultsFormat:
        return _OX_RESULTS[self.name]


FORMATS: tuple[Format, ...] = (
    Format("ttl", "text/turtle", "ttl", "graph", ("application/x-turtle",)),
    Format("jsonld", "application/ld+json", "jsonld", "graph", ("application/json",)),
    Format("rdf", "application/rdf+xml", "rdf", "graph", ("application/xml", "text/xml")),
    Format("nt", "application/n-triples", "nt", "graph", ("text/plain",)),
    Format("html", "text/html", "html", "html", ("application/xhtml+xml",)),
    Format("json", "application/sparql-results+json", "json", "results", ("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", "results", ("application/xml", "text/xml")),
    Format("csv", "text/csv", "csv", "results"),
    Format("tsv", "text/tab-separated-values", "tsv", "results"),
    # Datasets (named graphs): the change feed's pages, and what /sparql also writes a CONSTRUCT or DESCRIBE
    # result as (its triples in the default graph)
    Format("trig", "application/trig", "trig", "quads"),
    Format("nq", "application/n-quads", "nq", "quads"),
)

_OX_RDF = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML,
           "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
_OX_RESULTS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}

BY_NAME = {f.name: f for f in FORMATS}
GRAPH_FORMATS = tuple(f for f in FORMATS if f.kind == "graph")
RESULT_FORMATS = tuple(f for f in FORMATS if f.kind == "results")
QUAD_FORMATS = tuple(f for f in FORMATS if f.kind == "quads")
DOCUMENT_FORMATS = GRAPH_FORMATS + (BY_NAME["html"],)
BY_SUFFIX = {f.suffix: f for f in DOCUMENT_FORMATS}

# Media types of files served as they are (gzip dumps, sitemaps, robots.txt): never negotiated.
FILE_MEDIA_TYPES = {"gzip": "application/gzip", "xml": "application/xml", "text": "text/plain"}


def _ranges(accept: str | MIMEAccept | None) -> list[tuple[str, float]]:
    """[(media range without parameters, q)], parsed by Werkzeug (request.accept_mimetypes or the header);
    a missing or empty header accepts anything."""
    if accept is None or isinstance(accept, str):
        # Imported here: `bdp build` reads the table above and needs no Werkzeug (slow to import).
        from werkzeug.datastructures import MIMEAccept
        from werkzeug.http import parse_accept_header

        accept = parse_accept_header(accept, MIMEAccept)
    ranges = [(value.split(";")[0].strip().lower(), q) for value, q in accept]
    return ranges or [("*/*", 1.0)]


def _match(media_range: str, fmt: Format) -> int:
    """Specificity with which a media range matches a format: 3 exact, 2 alias, 1 type/*, 0 */*, -1 none."""
    if media_range == fmt.media_type:
        return 3
    if media_range in fmt.aliases:
        return 2
    if media_range == "*/*":
        return 0
    major, _, minor = media_range.partition("/")
    if minor == "*" and fmt.media_type.split("/")[0] == major:
        return 1
    return -1


def negotiate(accept: str | MIMEAccept | None, offered: tuple[Format, ...]) -> Format | None:
    """The offered format the client prefers, by q then specificity then the order offered; None: 406.

    For each offered format, its q is that of the most specific matching range (RFC 9110 12.5.1).
    Werkzeug parses the header; the choice is made here because Werkzeug's `best_match` sees media
    types, not our formats with their aliases, and drops the client's order (tests/test_formats.py)."""
    ranges = _ranges(accept)
    best: tuple[float, int, int] | None = None
    choice = None
    for index, fmt in enumerate(offered):
        matches = [(_match(m, fmt), q, order) for order, (m, q) in enumerate(ranges)]
        matches = [m for m in matches if m[0] >= 0]
        if not matches:
            continue
        specificity, q, order = max(matches, key=lambda m: (m[0], -m[2]))
        if q <= 0:
            continue
        rank = (q, -order if specificity > 0 else -1000, -index)
        if best is None or rank > best:
            best, choice = rank, fmt
    return choice


# --- attachments and publications: the document and image types the build accepts ---------------------

@dataclass(frozen=True)
class DocumentType:
    """A media type accepted for an attached or published file (documents and images only; no SVG, which
    may carry scripts). `magic`: what the file must start with; empty for text (UTF-8 without NUL)."""

    media_type: str
    suffixes: tuple[str, ...]
    kind: str            # "document" | "image"
    magic: tuple[bytes, ...] = ()

    @property
    def iana_iri(self) -> str:
        return "http://www.iana.org/assignments/media-types/" + self.media_type


DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType("application/pdf", ("pdf",), "document", (b"%PDF-",)),
    DocumentType("application/vnd.oasis.opendocument.text", ("odt",), "document", (b"PK\x03\x04",)),
    DocumentType("application/msword", ("doc",), "document", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    DocumentType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",),
                 "document", (b"PK\x03\x04",)),
    DocumentType("application/rtf", ("rtf",), "document", (b"{\\rtf",)),
    DocumentType("text/plain", ("txt",), "document"),
    DocumentType("image/png", ("png",), "image", (b"\x89PNG\r\n\x1a\n",)),
    DocumentType("image/jpeg", ("jpg", "jpeg"), "image", (b"\xff\xd8\xff",)),
    DocumentType("image/gif", ("gif",), "image", (b"GIF87a", b"GIF89a")),
)
DOCUMENT_BY_MEDIA_TYPE = {d.media_type: d for d in DOCUMENT_TYPES}
DOCUMENT_BY_SUFFIX = {s: d for d in DOCUMENT_TYPES for s in d.suffixes}
