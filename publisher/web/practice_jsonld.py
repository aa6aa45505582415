"""The schema.org JSON-LD of a practice's page (a CreativeWork), written as text: what
render.jsonld_script(present.schema_org(...)) writes, made from parts kept where pages share them.

A practice's two pages differ in few parts of it: the names of its themes, funding and voivodeship in the
page's language. Its texts, dates and partners are the same: each part is kept with what it was made of,
and the next page (the practice's other language) takes it when that is the same. A theme's or a funding
source's item is the same on every page of a language that names it so: kept for the build (a hundred
concepts). Parts are JSON as the page's encoder writes them (render.JSON: compact, not ASCII-escaped),
joined as it joins a dict's items; what present._compact leaves out (None, "", [], {}) is left out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from publisher.web.present import Presenter, _val, ns
from publisher.web.render import JSON, script_text

_SUBJECT, _FUNDING, _ABSTRACT, _DESCRIPTION, _ISSUED, _MODIFIED = (
    ns(*name) for name in (("dct", "subject"), ("bdp", "funding"), ("dct", "abstract"), ("dct", "description"),
                           ("dct", "issued"), ("dct", "modified")))
_EMPTY: tuple[Any, ...] = (None, "", [], {})        # what present._compact leaves out
# (kind, IRI, name) -> the item's JSON: concepts a hundred, so a bound only against the unforeseen
ITEMS = 10_000
_items: dict[tuple[str, str, str], str] = {}
# the last page's parts: part -> (what it was made of, its JSON or None when left out)
_last: dict[str, tuple[Any, str | None]] = {}


def practice_jsonld(v: Presenter, url: str, card: Any) -> str:
    """The <script> text of the schema.org description of the practice `v` presents (its `card`: place,
    partners), as jsonld_script(schema_org(v, url, card)) writes it."""
    encode, name = JSON.encode, v.label
    place = (card.place if card else {}) or {}
    subjects = [(t.value, name(t)) for t in v.values(_SUBJECT)]
    funding = [name(f) for f in v.values(_FUNDING)]
    partners = tuple((p["org"].value, name(p["org"])) for p in (card.partners if card else []))
    region = name(place["voivodeship"]) if "voivodeship" in place else None
    parts = [
        _part("head", (v.d.iri.value, url, v.title, [s.value for s in v.same_as()]),
              lambda made: _members(("@id", "url", "name", "sameAs"), made)),
        '"@type":"CreativeWork"',
        _part("abstract", (v.text(_ABSTRACT),), lambda made: _members(("abstract",), made)),
        _part("description", (v.text(_DESCRIPTION),), lambda made: _members(("description",), made)),
        _part("dates", (_val(v.value(_ISSUED)), _val(v.value(_MODIFIED))),
              lambda made: _members(("dateCreated", "dateModified"), made)),
        f'"about":[{",".join(_item("DefinedTerm", iri, label) for iri, label in subjects)}],'
        f'"keywords":{encode([label for _, label in subjects])}' if subjects else None,
        _part("contributor", partners, lambda made: '"contributor":[' + ",".join(
            _thing("Organization", iri, label) for iri, label in made) + "]" if made else None),
        _part("place", (_val(place.get("street")), _val(place.get("postal")), _val(place.get("town")), region,
                        place["lat"].value if "lat" in place and "long" in place else None,
                        place["long"].value if "lat" in place and "long" in place else None), _place),
        '"funding":[' + ",".join(_item("Grant", "", label) for label in funding) + "]" if funding else None,
    ]
    return script_text('{"@context":"https://schema.org",' + ",".join(p for p in parts if p) + "}")


def _part(key: str, made_of: Any, make: Callable[[Any], str | None]) -> str | None:
    """make(made_of), or the last page's part `key` when it was made of the same."""
    last = _last.get(key)
    if last is not None and last[0] == made_of:
        return last[1]
    text = make(made_of)
    _last[key] = (made_of, text)
    return text


def _members(keys: tuple[str, ...], values: tuple[Any, ...]) -> str:
    """The members `"key":value` of a JSON object (keys plain ASCII), those present._compact keeps."""
    return ",".join(f'"{key}":{JSON.encode(value)}' for key, value in zip(keys, values, strict=True)
                    if value not in _EMPTY)


def _thing(type_: str, iri: str, label: str) -> str:
    """present._thing's dict as JSON."""
    return JSON.encode({"@type": type_, "@id": iri, "name": label} if label else {"@type": type_, "@id": iri})


def _item(type_: str, iri: str, label: str) -> str:
    """A theme (a DefinedTerm named `label`) or a funding source (a Grant: `iri` ''), kept for the build."""
    key = (type_, iri, label)
    found = _items.get(key)
    if found is None:
        if len(_items) >= ITEMS:
            _items.clear()
        found = _items[key] = _thing(type_, iri, label) if iri else JSON.encode(
            {"@type": type_, "name": label} if label else {"@type": type_})
    return found


def _place(made: tuple[str | None, ...]) -> str:
    """spatialCoverage: the Place, its PostalAddress and its GeoCoordinates, as present._schema_org."""
    street, postal, town, region, lat, long = made
    address = {key: value for key, value in (("@type", "PostalAddress"), ("streetAddress", street),
                                             ("postalCode", postal), ("addressLocality", town),
                                             ("addressRegion", region), ("addressCountry", "PL"))
               if value not in _EMPTY}
    geo = {"@type": "GeoCoordinates", "latitude": lat, "longitude": long} if lat is not None else None
    place = {key: value for key, value in (("@type", "Place"), ("name", town), ("address", address), ("geo", geo))
             if value not in _EMPTY}
    return '"spatialCoverage":' + JSON.encode(place)
