"""The attachments of a practice and the publications that discuss it, for its page."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.formats import DOCUMENT_BY_MEDIA_TYPE
from publisher.namespaces import PREFIXES
from publisher.read.resources import Extra
from publisher.store import Store

IANA = "http://www.iana.org/assignments/media-types/"

# Groups in the columns of a description's first look (read.resources.Extra): the triples (?x ?p ?o) of
# each attachment and publication, tagged by kind; a practice page asks them in its first look, or alone
# (`practice_documents`). Plain triple patterns sorted out in Python: the same with an OPTIONAL for each
# field took oxigraph three times as long.
DOCUMENTS = Extra(groups=(
    '{ ?s dct:hasPart ?x . ?x a foaf:Document . ?x ?p ?o BIND("attachment" AS ?g) }',
    '{ ?x dct:references ?s ; a dct:BibliographicResource . ?x ?p ?o BIND("publication" AS ?g) }'),
    prefixes=("dct", "dcat", "foaf"))
_FIELDS = {PREFIXES[p] + n: f for p, n, f in (("dct", "title", "title"), ("dct", "format", "format"),
                                              ("dcat", "byteSize", "size"), ("dcat", "downloadURL", "download"),
                                              ("foaf", "page", "page"), ("dct", "issued", "year"))}


@dataclass
class Document:
    iri: str
    kind: str                       # "attachment" | "publication"
    title: dict[str, str] = field(default_factory=dict)
    media_type: str = ""
    kind_of_file: str = ""          # "document" | "image" | ""
    size: int | None = None
    url: str = ""                   # the file (an IRI under the base) or the page elsewhere
    year: str = ""

    @property
    def suffix(self) -> str:
        doc_type = DOCUMENT_BY_MEDIA_TYPE.get(self.media_type)
        return doc_type.suffixes[0].upper() if doc_type else ""


def _order(doc: Document) -> tuple:
    tail = doc.iri.rsplit("--", 1)[-1]
    return (doc.kind != "attachment", int(tail) if tail.isdigit() else 0, doc.iri)


def practice_documents(store: Store, practice_iri: str, limit: int = 5000) -> list[Document]:
    """Attachments first (in the order of the record), then publications."""
    rows = store.select(DOCUMENTS.query(), bindings={"s": ox.NamedNode(practice_iri)}, limit=limit).rows
    return documents_from_rows(rows)


def documents_from_rows(rows: list[dict]) -> list[Document]:
    """`practice_documents` from the rows of the DOCUMENTS groups (alone or in a first look)."""
    found: dict[str, Document] = {}
    for row in rows:
        kind = row["g"].value
        name = _FIELDS.get(row["p"].value) if kind in ("attachment", "publication") else None
        if name is None:
            continue
        doc = found.setdefault(row["x"].value, Document(row["x"].value, kind))
        value = row["o"]
        if name == "title" and isinstance(value, ox.Literal):
            doc.title[value.language or "pl"] = value.value
        elif name == "format" and value.value.startswith(IANA):
            doc.media_type = value.value[len(IANA):]
            known = DOCUMENT_BY_MEDIA_TYPE.get(doc.media_type)
            doc.kind_of_file = known.kind if known else ""
        elif name == "size" and value.value.isdigit():
            doc.size = int(value.value)
        elif name == "download" or (name == "page" and not doc.url):
            doc.url = value.value
        elif name == "year":
            doc.year = value.value
    return sorted(found.values(), key=_order)
