"""A record becomes triples. Pure functions: a record and the vocabularies in, triples out.

docs/model.md is the contract for what each field becomes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from rdflib import BNode, Literal, URIRef
from rdflib import namespace as rdflib_ns

from publisher import namespaces
from publisher.iris import mint
from publisher.records import documents
from publisher.records.read import Record
from publisher.records.vocab import Vocabularies, fold

Triple = tuple[Any, Any, Any]


class _Terms:
    """A namespace whose terms are made once: rdflib makes (and checks) a new URIRef on every attribute
    access, which was a third of the converter's time."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace
        self._made: dict[str, URIRef] = {}

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("_"):
            raise AttributeError(name)
        term = self.__dict__[name] = getattr(self._namespace, name)
        return term

    def __getitem__(self, name: str) -> URIRef:
        term = self._made.get(name)
        if term is None:
            term = self._made[name] = self._namespace[name]
        return term


DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD = (_Terms(getattr(rdflib_ns, n))
                                             for n in ("DCAT", "DCTERMS", "FOAF", "RDF", "RDFS", "SKOS", "XSD"))
ADMS, BDP, GEO, ORG, VCARD = (_Terms(getattr(namespaces, n)) for n in ("ADMS", "BDP", "GEO", "ORG", "VCARD"))

# Record field -> the predicate it becomes, so that a shape's result path is reported as the field an
# editor wrote (and the other way round).
FIELDS: dict[str, str] = {
    str(DCTERMS.title): "title", str(DCTERMS.abstract): "summary", str(DCTERMS.description): "description",
    str(DCTERMS.issued): "entered", str(DCTERMS.modified): "modified", str(BDP.unitType): "unit_type",
    str(DCTERMS.subject): "themes", str(BDP.funding): "funding",
    str(BDP.implementingUnit): "implementing_unit", str(FOAF.page): "websites",
    str(BDP.partnership): "partners", str(ORG.hasMember): "partners", str(ORG.role): "partners",
    str(ORG.member): "partners", str(DCAT.contactPoint): "contacts", str(VCARD.fn): "contacts.name",
    str(VCARD.hasTelephone): "contacts.phone", str(VCARD.hasEmail): "contacts.email",
    str(VCARD["postal-code"]): "place.postal_code", str(VCARD["street-address"]): "place.street",
    str(VCARD.locality): "place.town", str(BDP.population): "place.population",
    str(BDP.voivodeship): "voivodeship", str(GEO.lat): "place.coordinates.lat",
    str(GEO.long): "place.coordinates.lon", str(SKOS.prefLabel): "name", str(BDP.sector): "sector",
    str(SKOS.notation): "identifiers", str(ADMS.identifier): "identifiers", str(FOAF.homepage): "websites",
    str(DCTERMS.hasPart): "attachments", str(DCTERMS.format): "media_type", str(DCAT.downloadURL): "file",
    str(DCAT.byteSize): "file", str(DCTERMS.references): "practices", str(DCTERMS.isReferencedBy): "publications",
}

_PERSON_SLUG = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 14, typed=True)
def _cached_concept(vocab: Vocabularies, scheme: str, value: Any) -> URIRef:
    return vocab.concept(scheme, value)


def _concept(vocab: Vocabularies, scheme: str, value: Any) -> URIRef:
    """`vocab.concept`, remembered: editors write the same few values over and over."""
    try:
        return _cached_concept(vocab, scheme, value)
    except TypeError:   # an unhashable value (the shapes refuse it as not in the scheme)
        return vocab.concept(scheme, value)


@dataclass
class Converted:
    """The triples of one record and the nodes it owns (to trace a validation result to its record)."""

    record: Record
    triples: list[Triple] = field(default_factory=list)
    nodes: list[Any] = field(default_factory=list)
    subject: URIRef | None = None


def _bnode(owner: str, part: str) -> BNode:
    """A blank node whose label is stable across builds, so dumps are byte-for-byte reproducible."""
    return BNode("b" + hashlib.sha1(f"{owner}#{part}".encode()).hexdigest()[:20])


def _texts(s: Any, p: Any, value: Any, out: list[Triple]) -> None:
    if isinstance(value, dict):
        for lang in ("pl", "en"):
            if value.get(lang):
                out.append((s, p, Literal(str(value[lang]).strip(), lang=lang)))


def _date(value: Any) -> Literal:
    # A string that is not a date stays a plain string; the shapes then say it is not an xsd:date.
    return Literal(value) if isinstance(value, dt.date) else Literal(str(value))


def _integer(value: Any) -> Literal:
    return Literal(value) if isinstance(value, int) and not isinstance(value, bool) else Literal(str(value))


def _decimal(value: Any) -> Literal:
    try:
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    except InvalidOperation:
        return Literal(str(value))


def web_iri(url: Any) -> URIRef:
    """A website as the editor wrote it ('www.x.pl') as an IRI ('http://www.x.pl')."""
    text = str(url).strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        text = "http://" + text
    return URIRef(quote(text, safe=":/?#[]@!$&'()*+,;=%~"))


def tel_iri(phone: Any) -> URIRef:
    digits = re.sub(r"[^0-9+]", "", str(phone))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif not digits.startswith("+") and len(digits) == 9:
        digits = "+48" + digits
    return URIRef("tel:" + quote(digits, safe="+"))


def person_slug(name: str) -> str:
    return _PERSON_SLUG.sub("-", fold(name)).strip("-")


def practice(rec: Record, base: str, vocab: Vocabularies) -> Converted:
    d, key = rec.data, rec.key
    s = URIRef(mint(base, "practice", key))
    out = Converted(rec, subject=s)
    t = out.triples
    out.nodes.append(s)
    t.append((s, RDF.type, BDP.Practice))
    _texts(s, DCTERMS.title, d.get("title"), t)
    _texts(s, RDFS.label, d.get("title"), t)
    _texts(s, DCTERMS.abstract, d.get("summary"), t)
    _texts(s, DCTERMS.description, d.get("description"), t)
    if d.get("entered") is not None:
        t.append((s, DCTERMS.issued, _date(d["entered"])))
    modified = d.get("modified") if d.get("modified") is not None else d.get("entered")
    if modified is not None:
        t.append((s, DCTERMS.modified, _date(modified)))
    if d.get("unit_type"):
        t.append((s, BDP.unitType, _concept(vocab, "unit-type", d["unit_type"])))
    for theme in d.get("themes") or ():
        t.append((s, DCTERMS.subject, _concept(vocab, "theme", theme)))
    for programme in d.get("funding") or ():
        t.append((s, BDP.funding, _concept(vocab, "funding", programme)))
    if d.get("implementing_unit"):
        t.append((s, BDP.implementingUnit, URIRef(mint(base, "organisation", d["implementing_unit"]))))
    for url in d.get("websites") or ():
        t.append((s, FOAF.page, web_iri(url)))
    if d.get("synthetic"):
        t.append((s, BDP.synthetic, Literal(True)))
    if d.get("place"):
        _place(out, s, key, d["place"], base, vocab)
    if d.get("partners"):
        _partnership(out, s, key, d, base, vocab)
    for contact in d.get("contacts") or ():
        if contact.get("publish") is True and contact.get("name"):
            _contact(out, s, key, contact, base)
    for n, (_, entry) in enumerate(documents.entries(rec), start=1):
        node = URIRef(mint(base, "attachment", f"{key}--{n}"))
        out.nodes.append(node)
        t += [(s, DCTERMS.hasPart, node), (node, RDF.type, FOAF.Document)]
        _texts(node, DCTERMS.title, entry.get("title"), t)
        _texts(node, RDFS.label, entry.get("title"), t)
        _document(out, node, rec, entry, base)
    for pub in d.get("publications") or ():
        t.append((s, DCTERMS.isReferencedBy, URIRef(mint(base, "publication", pub))))
    return out


def _document(out: Converted, node: URIRef, rec: Record, entry: dict, base: str) -> None:
    """Format, size and location of an attached or published file (docs/model.md, Attachments)."""
    kind = documents.document_type(entry)
    if kind is not None:
        out.triples += [(node, DCTERMS.format, URIRef(kind.iana_iri)),
                        (node, DCAT.mediaType, URIRef(kind.iana_iri))]
    download = documents.download_iri(base, entry)
    if download:
        out.triples.append((node, DCAT.downloadURL, URIRef(download)))
        size = documents.byte_size(rec, entry)
        if size is not None:
            out.triples.append((node, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    elif entry.get("url"):
        out.triples.append((node, FOAF.page, web_iri(entry["url"])))


def publication(rec: Record, base: str, vocab: Vocabularies) -> Converted:
    d = rec.data
    s = URIRef(mint(base, "publication", rec.key))
    out = Converted(rec, subject=s)
    out.nodes.append(s)
    t = out.triples
    t.append((s, RDF.type, DCTERMS.BibliographicResource))
    _texts(s, DCTERMS.title, d.get("title"), t)
    _texts(s, RDFS.label, d.get("title"), t)
    _texts(s, DCTERMS.description, d.get("description"), t)
    if d.get("year") is not None:
        t.append((s, DCTERMS.issued, Literal(str(d["year"]), datatype=XSD.gYear)))
    for key in d.get("practices") or ():
        t.append((s, DCTERMS.references, URIRef(mint(base, "practice", key))))
    _document(out, s, rec, d, base)
    if d.get("synthetic"):
        t.append((s, BDP.synthetic, Literal(True)))
    return out


def _place(out: Converted, practice_iri: URIRef, key: str, place: dict, base: str,
           vocab: Vocabularies) -> None:
    t = out.triples
    p = URIRef(mint(base, "place", key))
    out.nodes.append(p)
    t += [(practice_iri, DCTERMS.spatial, p), (p, RDF.type, DCTERMS.Location)]
    if place.get("town"):
        t.append((p, RDFS.label, Literal(str(place["town"]), lang="pl")))
    if place.get("voivodeship"):
        t.append((p, BDP.voivodeship, _concept(vocab, "voivodeship", place["voivodeship"])))
    if place.get("population") is not None:
        t.append((p, BDP.population, _integer(place["population"])))
    address = _bnode(str(p), "address")
    out.nodes.append(address)
    t += [(p, VCARD.hasAddress, address), (address, RDF.type, VCARD.Address)]
    for name, predicate in (("street", VCARD["street-address"]), ("town", VCARD.locality),
                            ("postal_code", VCARD["postal-code"]), ("voivodeship", VCARD.region)):
        if place.get(name) not in (None, ""):
            t.append((address, predicate, Literal(str(place[name]))))
    coords = place.get("coordinates") or {}
    if coords.get("lat") is not None and coords.get("lon") is not None:
        t += [(p, GEO.lat, _decimal(coords["lat"])), (p, GEO.long, _decimal(coords["lon"]))]
    if place.get("teryt"):
        _identifier(out, p, "teryt", place["teryt"], vocab)


def _identifier(out: Converted, subject: URIRef, kind: str, code: Any, vocab: Vocabularies) -> None:
    ident = _bnode(str(subject), f"id-{kind}")
    out.nodes.append(ident)
    out.triples += [
        (subject, ADMS.identifier, ident), (ident, RDF.type, ADMS.Identifier),
        (ident, SKOS.notation, Literal(str(code), datatype=BDP[kind.upper()])),
        (ident, DCTERMS.type, _concept(vocab, "identifier-type", kind)),
    ]


def _partnership(out: Converted, practice_iri: URIRef, key: str, d: dict, base: str,
                 vocab: Vocabularies) -> None:
    t = out.triples
    ps = URIRef(mint(base, "partnership", key))
    out.nodes.append(ps)
    t += [(practice_iri, BDP.partnership, ps), (ps, RDF.type, ORG.OrganizationalCollaboration)]
    _texts(ps, SKOS.prefLabel, d.get("title"), t)
    for partner in d["partners"]:
        org = URIRef(mint(base, "organisation", partner["organisation"]))
        m = URIRef(mint(base, "membership", f"{key}--{partner['organisation']}"))
        out.nodes.append(m)
        t += [(ps, ORG.hasMember, org), (ps, ORG.hasMembership, m), (m, RDF.type, ORG.Membership),
              (m, ORG.member, org), (m, ORG.organization, ps),
              (m, ORG.role, _concept(vocab, "role", partner.get("role") or "partner"))]


def _contact(out: Converted, practice_iri: URIRef, key: str, contact: dict, base: str) -> None:
    # Scoped to the practice: two people of one name (or one person with two phones in two practices)
    # must never have their contact details merged into one resource.
    person = URIRef(mint(base, "person", f"{key}--{person_slug(str(contact['name']))}"))
    out.nodes.append(person)
    t = out.triples
    t += [(practice_iri, DCAT.contactPoint, person), (person, RDF.type, VCARD.Individual),
          (person, VCARD.fn, Literal(str(contact["name"]))), (person, RDFS.label, Literal(str(contact["name"])))]
    if contact.get("role"):
        t.append((person, VCARD.role, Literal(str(contact["role"]), lang="pl")))
    if contact.get("phone"):
        t.append((person, VCARD.hasTelephone, tel_iri(contact["phone"])))
    if contact.get("email"):
        t.append((person, VCARD.hasEmail, URIRef("mailto:" + quote(str(contact["email"]).strip(), safe="@.+-_"))))


def organisation(rec: Record, base: str, vocab: Vocabularies) -> Converted:
    d = rec.data
    s = URIRef(mint(base, "organisation", rec.key))
    out = Converted(rec, subject=s)
    out.nodes.append(s)
    t = out.triples
    t.append((s, RDF.type, ORG.Organization))
    _texts(s, SKOS.prefLabel, d.get("name"), t)
    _texts(s, RDFS.label, d.get("name"), t)
    if d.get("sector"):
        t.append((s, BDP.sector, _concept(vocab, "sector", d["sector"])))
    if d.get("unit_type"):
        t.append((s, BDP.unitType, _concept(vocab, "unit-type", d["unit_type"])))
    if d.get("voivodeship"):
        t.append((s, BDP.voivodeship, _concept(vocab, "voivodeship", d["voivodeship"])))
    for url in d.get("websites") or ():
        t.append((s, FOAF.homepage, web_iri(url)))
    for kind, code in (d.get("identifiers") or {}).items():
        if code not in (None, ""):
            _identifier(out, s, kind, code, vocab)
    if d.get("synthetic"):
        t.append((s, BDP.synthetic, Literal(True)))
    return out


CONVERTERS = {"practice": practice, "organisation": organisation, "publication": publication}


def convert(records: Iterable[Record], base: str, vocab: Vocabularies) -> list[Converted]:
    return [CONVERTERS[r.kind](r, base, vocab) for r in records]


def _nt_term(term: Any) -> str:
    if isinstance(term, Literal):
        text = '"' + (str(term).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
                      .replace("\r", "\\r")) + '"'
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    return f"_:{term}" if isinstance(term, BNode) else f"<{term}>"


def nt_row(triple: Triple) -> str:
    """A triple as one N-Triples line, the same text as rdflib's `_nt_row` (a quarter faster: no checks, no n3 dispatch)."""
    s, p, o = triple
    return f"{_nt_term(s)} <{p}> {_nt_term(o)} .\n"
