"""A proposal from the /submit form becomes the source records the YAML files hold (a practice and its
new organisations), checked by the build's own rules: the SHACL shapes (through `Validator`, messages
from sh:message in the page's language) and the build's attachment check. Each problem is traced back
to the form field it came from: every record field gets a line number of its own, so the line of a
shape's result names the field (the same way `bdp validate` names a file's line)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filetype

from publisher.errors import SourceError
from publisher.formats import DOCUMENT_BY_MEDIA_TYPE
from publisher.records.documents import check_entry
from publisher.records.proposals import Staging
from publisher.records.read import Record
from publisher.records.vocab import fold

if TYPE_CHECKING:     # the validator (and pyshacl behind it) is loaded only when a proposal comes
    from publisher.pipeline.check import Validator

PARTNERS, CONTACTS, ATTACHMENTS = 4, 2, 3        # rows the form offers
TEXTS = ("title", "summary", "description")
PLACE = ("town", "voivodeship", "postal_code", "street", "population", "teryt")
IDENTIFIERS = ("krs", "regon", "nip", "teryt")
FORM = "_form"                                    # problems that belong to no one field
# The fields in the order the form shows them (the list of problems at its top follows it).
ORDER = [FORM, *(f"{t}_{lang}" for lang in ("pl", "en") for t in TEXTS), "unit_type", "themes", "funding",
         "town", "voivodeship", "postal_code", "street", "population", "teryt", "lat", "lon", "websites",
         "partners", *(f"partner-{i}-{f}" for i in range(PARTNERS) for f in ("name", "role", "sector", *IDENTIFIERS)),
         "contacts", *(f"contact-{i}-{f}" for i in range(CONTACTS) for f in ("name", "role", "phone", "email")),
         "attachments", *(f"attachment-{i}-{f}" for i in range(ATTACHMENTS) for f in ("title", "file"))]

# practice record field -> form field (the first of a group: its message is shown at the group)
PRACTICE_FIELDS = {"title": "title_pl", "summary": "summary_pl", "description": "description_pl",
                   "unit_type": "unit_type", "themes": "themes", "funding": "funding", "websites": "websites",
                   "place.coordinates.lat": "lat", "place.coordinates.lon": "lon", "place": "town",
                   "partners": "partners", "contacts": "contacts", "attachments": "attachments",
                   "voivodeship": "voivodeship", "identifiers": "teryt", "file": "attachments",
                   "media_type": "attachments", **{f"place.{name}": name for name in PLACE}, "": FORM}
ORGANISATION_FIELDS = {"name": "name", "sector": "sector", "identifiers": "identifiers", "": "name"}
CONTACT_FIELDS = {"name": "name", "role": "role", "phone": "phone", "email": "email"}

MESSAGES = {
    "type": {"pl": "Ten plik nie jest dokumentem ani obrazem, który przyjmujemy (PDF, ODT, DOC, DOCX, RTF, "
                   "tekst UTF-8, PNG, JPEG, GIF): rozpoznano go po treści, nie po nazwie.",
             "en": "This file is not a document or image we accept (PDF, ODT, DOC, DOCX, RTF, UTF-8 text, "
                   "PNG, JPEG, GIF): its content was checked, not its name."},
    "size": {"pl": "Plik ma {size} bajtów, więcej niż dopuszczalne {limit}.",
             "en": "The file has {size} bytes, more than the limit of {limit}."},
    "attachment_title": {"pl": "Załącznik musi mieć tytuł.", "en": "An attachment needs a title."},
    "attachment_file": {"pl": "Wybierz plik do tego tytułu.", "en": "Choose a file for this title."},
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SLUG = re.compile(r"[^0-9a-z]+")


def clean(value: str | None) -> str:
    """Text as text: line ends unified, control characters (terminal escapes too) dropped, trimmed."""
    return _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def slug(text: str, fallback: str = "propozycja") -> str:
    return _SLUG.sub("-", fold(text)).strip("-")[:80].strip("-") or fallback


def sniff(content: bytes) -> str | None:
    """The media type of an upload by its content (never its name): a document or image type the build
    accepts, or UTF-8 text; None for anything else (an .exe named .pdf is an executable)."""
    kind = filetype.guess(content)
    if kind is not None:
        return kind.mime if kind.mime in DOCUMENT_BY_MEDIA_TYPE else None
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


@dataclass
class Upload:
    """A file sent with the form: its bytes only (the client's file name is not kept)."""

    content: bytes


@dataclass
class Outcome:
    practice: dict[str, Any]
    organisations: list[dict[str, Any]]
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)     # form row -> new organisation
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        found = self.errors.setdefault(name, [])
        if message not in found:
            found.append(message)


def _lined(kind: str, key: str, data: dict[str, Any], where: Path, fields: dict[str, str], prefix: str,
           table: dict[int, str]) -> Record:
    """A record whose every field has a line number of its own, noted in `table` (line -> form field);
    `fields` maps "" too (the record as a whole), as a record read from a file does."""
    rec = Record(kind, key, str(where / f"{kind}s" / f"{key}.yaml"), data)
    for path, name in fields.items():
        line = len(table) + 1
        table[line] = name if name == FORM else prefix + name
        rec.lines[path] = line
    return rec


def _texts(form: Mapping[str, str], name: str) -> dict[str, str]:
    return {lang: text for lang in ("pl", "en") if (text := clean(form.get(f"{name}_{lang}")))}


def _number(text: str, kind: type = int) -> Any:
    """A number as an editor writes it; anything else stays text, which the shapes refuse by name."""
    pattern = r"[0-9]+" if kind is int else r"-?[0-9]+(\.[0-9]+)?"
    return kind(text) if re.fullmatch(pattern, text) else text


def to_records(form: Mapping[str, str], lists: Callable[[str], list[str]],
               resolve: Callable[[str], str | None]) -> tuple[dict[str, Any], list[dict[str, Any]], list[int]]:
    """The practice and its new organisations as source records; `lists(name)` gives a field's values,
    `resolve(name)` the key of an existing organisation of that name. Also: the row of each new one."""
    practice: dict[str, Any] = {"key": slug(clean(form.get("title_pl")) or clean(form.get("title_en")))}
    for name in TEXTS:
        if texts := _texts(form, name):
            practice[name] = texts
    practice["entered"] = dt.date.today()
    for name in ("unit_type",):
        if value := clean(form.get(name)):
            practice[name] = value
    for name in ("themes", "funding"):
        if values := [clean(v) for v in lists(name) if clean(v)]:
            practice[name] = values
    place: dict[str, Any] = {name: clean(form.get(name)) for name in PLACE if clean(form.get(name))}
    if "population" in place:
        place["population"] = _number(place["population"])
    lat, lon = clean(form.get("lat")), clean(form.get("lon"))
    if lat or lon:
        place["coordinates"] = {"lat": _number(lat, float), "lon": _number(lon, float)}
    if place:
        practice["place"] = place
    if websites := [w for w in (clean(x) for x in clean(form.get("websites")).split("\n")) if w]:
        practice["websites"] = websites
    partners, organisations, rows, keys = [], [], [], set()
    for i in range(PARTNERS):
        name = clean(form.get(f"partner-{i}-name"))
        if not name:
            continue
        role = clean(form.get(f"partner-{i}-role")) or "partner"
        key = resolve(name)
        if key is None:
            key = base = slug(name, "organizacja")
            n = 1
            while key in keys:
                n += 1
                key = f"{base}-{n}"
            org: dict[str, Any] = {"key": key, "name": {"pl": name}}
            if sector := clean(form.get(f"partner-{i}-sector")):
                org["sector"] = sector
            ids = {t: v for t in IDENTIFIERS if (v := clean(form.get(f"partner-{i}-{t}")))}
            if ids:
                org["identifiers"] = ids
            organisations.append(org)
            rows.append(i)
        keys.add(key)
        partners.append({"organisation": key, "role": role})
    if partners:
        practice["partners"] = partners
    contacts = []
    for i in range(CONTACTS):
        contact: dict[str, Any] = {n: v for n in CONTACT_FIELDS if (v := clean(form.get(f"contact-{i}-{n}")))}
        if contact:
            contact["publish"] = form.get(f"contact-{i}-publish") == "yes"
            contacts.append(contact)
    if contacts:
        practice["contacts"] = contacts
    return practice, organisations, rows


def check_proposal(form: Mapping[str, str], lists: Callable[[str], list[str]], uploads: dict[int, Upload],
                   resolve: Callable[[str], str | None], validator: Validator, staging: Staging,
                   max_bytes: int) -> Outcome:
    """Convert and validate one proposal; uploads are sniffed and stored in `staging` first, so the
    record's attachments are checked as the build checks them."""
    lang = validator.lang
    practice, organisations, rows = to_records(form, lists, resolve)
    out = Outcome(practice, organisations, dict(zip(rows, organisations, strict=True)))
    attachments = []
    for i in range(ATTACHMENTS):
        title, upload = clean(form.get(f"attachment-{i}-title")), uploads.get(i)
        if not title and upload is None:
            continue
        if upload is None:
            out.add(f"attachment-{i}-file", MESSAGES["attachment_file"][lang])
            continue
        if not title:
            out.add(f"attachment-{i}-title", MESSAGES["attachment_title"][lang])
        media_type = sniff(upload.content)
        if media_type is None:
            out.add(f"attachment-{i}-file", MESSAGES["type"][lang])
        elif len(upload.content) > max_bytes:
            out.add(f"attachment-{i}-file", MESSAGES["size"][lang].format(size=len(upload.content),
                                                                          limit=max_bytes))
        elif title:
            kind = DOCUMENT_BY_MEDIA_TYPE[media_type]
            path = staging.add_attachment(i + 1, upload.content, kind.suffixes[0])
            attachments.append({"title": {lang: title}, "file": path, "media_type": media_type})
    if attachments:
        practice["attachments"] = attachments
    table: dict[int, str] = {}
    records = [_lined("practice", practice["key"], practice, staging.data_dir,
                      {**PRACTICE_FIELDS, **_only_contact(practice)}, "", table)]
    for org, row in zip(organisations, rows, strict=True):
        fields = dict(ORGANISATION_FIELDS)
        if len(org.get("identifiers") or ()) == 1:     # one identifier: its problems are its own
            fields["identifiers"] = next(iter(org["identifiers"]))
        records.append(_lined("organisation", org["key"], org, staging.data_dir, fields, f"partner-{row}-", table))
    for n, entry in enumerate(attachments):
        try:
            check_entry(records[0], f"attachments[{n}]", entry, staging.data_dir, max_bytes)
        except SourceError as exc:
            out.add(f"attachment-{n}-file", exc.message)
    known = {p["organisation"] for p in practice.get("partners") or ()}
    for problem in validator.records(records, known):
        if problem.severity != "Violation":
            continue                  # warnings (no summary yet) are the editor's business, not a refusal
        out.add(table.get(problem.line or 0, FORM), problem.message)
    _trace(out, validator, known, staging.data_dir)
    place = {name: n for n, name in enumerate(ORDER)}
    out.errors = dict(sorted(out.errors.items(), key=lambda item: place.get(item[0], len(place))))
    return out


def _only_contact(practice: dict[str, Any]) -> dict[str, str]:
    """With one published contact (the only ones converted), its fields' problems are its own."""
    published = [i for i, c in enumerate(practice.get("contacts") or ()) if c.get("publish")]
    if len(published) != 1:
        return {}
    return {f"contacts.{k}": f"contact-{published[0]}-{k}" for k in CONTACT_FIELDS}


def _trace(out: Outcome, validator: Validator, known: set[str], where: Path) -> None:
    """A problem on a list (contacts, an organisation's identifiers) is moved to its item's own field:
    each item is validated alone, only when the list had problems that no single item explained."""
    if out.errors.pop("contacts", None) is not None:
        for i, contact in enumerate(out.practice.get("contacts") or ()):
            table: dict[int, str] = {}
            data = {"key": out.practice["key"], "title": {"pl": "-"}, "entered": dt.date.today(),
                    "contacts": [contact]}
            fields = {**{f"contacts.{k}": k for k in CONTACT_FIELDS}, "": "name"}
            rec = _lined("practice", out.practice["key"], data, where, fields, f"contact-{i}-", table)
            for problem in validator.records([rec], known):
                if problem.severity == "Violation":
                    out.add(table.get(problem.line or 0, f"contact-{i}-name"), problem.message)
    for i, org in out.rows.items():
        messages = out.errors.pop(f"partner-{i}-identifiers", None)
        if messages is None:
            continue
        ids = org.get("identifiers") or {}
        for kind, code in ids.items():
            single = {"key": org["key"], "name": {"pl": "-"}, "sector": "ngo", "identifiers": {kind: code}}
            rec = _lined("organisation", org["key"], single, where, {"": kind}, "", {})
            for problem in validator.records([rec], known):
                if problem.severity == "Violation":
                    out.add(f"partner-{i}-{kind}", problem.message)
        if not any(f"partner-{i}-{kind}" in out.errors for kind in ids):
            for message in messages:
                out.add(f"partner-{i}-{next(iter(ids), 'krs')}", message)
