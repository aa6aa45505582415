"""Minting instance IRIs and mapping IRIs to URLs and back: every URL of the site is built here.

Instance IRIs are `{base}id/{type}/{key}`; their documents `{base}doc/{type}/{key}`. The server may answer
under another prefix (a reverse proxy, a test port): `IriMap` translates between the IRI space and the
public URL space. Keys are stored percent-decoded (they may hold Polish letters) and encoded in IRIs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

TYPES = ("practice", "organisation", "partnership", "membership", "person", "place", "publication", "attachment")

_SAFE = "-._~!$&'()*+,;=:@"


def encode_key(key: str) -> str:
    return quote(key, safe=_SAFE)


def mint(base: str, type_: str, key: str) -> str:
    if type_ not in TYPES:
        raise ValueError(f"unknown resource type {type_!r}")
    return f"{base}id/{type_}/{encode_key(key)}"


def doc_iri(iri: str, base: str) -> str | None:
    """The document IRI describing an /id/ IRI, or None when `iri` is not one of ours."""
    if not iri.startswith(base + "id/"):
        return None
    return base + "doc/" + iri[len(base) + 3:]


@dataclass(frozen=True)
class IriMap:
    """Maps between IRIs under `base` and URLs under `public` (both end in '/')."""

    base: str
    public: str

    def url(self, iri: str) -> str:
        """The URL at which the server answers for `iri`: ours are rebased, others left as they are."""
        if iri.startswith(self.base):
            return self.public + iri[len(self.base):]
        return iri

    def iri(self, path: str) -> str:
        """The IRI for a request path (without the public prefix), e.g. 'id/practice/x'."""
        return self.base + path.lstrip("/")

    def id_to_doc_url(self, type_: str, key: str) -> str:
        return f"{self.public}doc/{type_}/{encode_key(key)}"

    def resource_iri(self, type_: str, key: str) -> str:
        return mint(self.base, type_, unquote(key))

    def href(self, iri: str) -> str:
        """Where a page links for `iri`: the document of one of our resources (no 303 round trip), the
        /def/ page of a vocabulary or ontology term (their IRIs are fixed), others as they are."""
        from publisher.namespaces import ONTOLOGY_IRI, VOCAB_BASE

        if iri.startswith(VOCAB_BASE):
            return self.public + "def/" + iri[len(VOCAB_BASE):]
        if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
            local = iri[len(ONTOLOGY_IRI) + 1:]
            return self.public + "def/ontology" + ("/" + local if local else "")
        if iri.startswith(self.base + "id/"):
            return self.public + "doc/" + iri[len(self.base) + 3:]
        return self.url(iri)
