"""The attachments of a practice and the publications that discuss it, for its page."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.formats import DOCUMENT_BY_MEDIA_TYPE
from publisher.namespaces import sparql_prologue
from publisher.store import Store

IANA = "http://www.iana.org/assignments/media-types/"

DOCUMENTS = sparql_prologue(("dct", "dcat", "foaf")) + """
SELECT ?practice ?doc ?kind ?title ?format ?size ?download ?page ?year WHERE {
  { ?practice dct:hasPart ?doc . ?doc a foaf:Document . BIND ("attachment" AS ?kind) }
  UNION { ?doc dct:references ?practice ; a dct:BibliographicResource . BIND ("publication" AS ?kind) }
  OPTIONAL { ?doc dct:title ?title }
  OPTIONAL { ?doc dct:format ?format }
  OPTIONAL { ?doc dcat:byteSize ?size }
  OPTIONAL { ?doc dcat:downloadURL ?download }
  OPTIONAL { ?doc foaf:page ?page }
  OPTIONAL { ?doc dct:issued ?year }
}"""


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


def practice_documents(store: Store, practice_iri: str, limit: int = 200) -> list[Document]:
    """Attachments first (in the order of the record), then publications."""
    rows = store.select(DOCUMENTS, bindings={"practice": ox.NamedNode(practice_iri)}, limit=limit).rows
    found: dict[str, Document] = {}
    for row in rows:
        doc = found.setdefault(row["doc"].value, Document(row["doc"].value, row["kind"].value))
        title = row.get("title")
        if isinstance(title, ox.Literal):
            doc.title[title.language or "pl"] = title.value
        if "format" in row and row["format"].value.startswith(IANA):
            doc.media_type = row["format"].value[len(IANA):]
            known = DOCUMENT_BY_MEDIA_TYPE.get(doc.media_type)
            doc.kind_of_file = known.kind if known else ""
        if "size" in row and row["size"].value.isdigit():
            doc.size = int(row["size"].value)
        if "download" in row or "page" in row:
            doc.url = (row.get("download") or row["page"]).value
        if "year" in row:
            doc.year = row["year"].value
    return sorted(found.values(), key=_order)
