"""Importing a page of the legacy website (text as saved from the browser) into a practice record and an
organisation stub for its implementing unit, in the source format of docs/model.md.

The page: navigation text, the breadcrumb "Współpraca JST-NGO : Praktyki", the title, the marker
".:  Skrót i Metryka -> ...", the summary (first paragraph) and the description (the other paragraphs),
then "Metryka praktyki" and a table of "Label:  value" lines whose values may continue on indented lines,
then the marker again and a footer. Any problem is a `SourceError` naming the line: never a half record.
Contacts are imported with `publish: false`: the importer never publishes personal data."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PureWindowsPath
from typing import Any

from publisher.errors import SourceError

KEY_MAX = 80
_POLISH = str.maketrans("ąćęłńóśźż", "acelnoszz")
_MARKER = re.compile(r"^\.:\s*Skrót i Metryka", re.IGNORECASE)
_BREADCRUMB = re.compile(r"^\W*Współpraca JST-NGO\s*:\s*Praktyki\s*$", re.IGNORECASE)
_FOOTER = re.compile(r"^Projekt współfinansowany", re.IGNORECASE)
_LABEL = re.compile(r"^(?P<label>[^\W\d_][^:]{0,60}?)\s*:(?:\s+(?P<value>.*))?$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_LABELS = {
    "data wprowadzenia do bdp": "entered",
    "typ jednostki": "unit_type",
    "miejscowość": "town",
    "województwo": "voivodeship",
    "kod pocztowy i poczta": "postal",
    "jednostka wdrażająca": "implementing_unit",
    "ulica": "street",
    "witryna internetowa": "websites",
    "wirtyna internetowa": "websites",      # the legacy site's own typo
    "liczba mieszkańców": "population",
    "osoby kontaktowe": "contacts",
    "osoba kontaktowa": "contacts",
}
_EMAIL = re.compile(r"^(?:e@mail|e-mail|email|mail)\s*:\s*", re.IGNORECASE)
_PHONE = re.compile(r"^(?:telefon|tel\.?(?:\s*kom\.?|\s*/\s*fax\.?)?|kom\.?)\s*:?\s*(?=[+(\d])", re.IGNORECASE)
_ADDRESS = re.compile(r"[^\s,;:]+@[^\s,;]+")
_CONTACT_LABELS = {"e@mail", "e-mail", "email", "mail", "tel", "tel.", "telefon", "tel./fax", "kom", "fax"}
_LEGAL_FORM = re.compile(r"sp\.\s*z\s*o\.\s*o\.|(?<!\w)s\.\s*a\.(?!\w)|(?<!\w)sp\.\s*[jk]\.", re.IGNORECASE)
_SECTOR_WORDS = [(re.compile(r"(?<!\w)" + stem, re.IGNORECASE), sector) for stem, sector in [
    ("starost", "public"), ("urz[ąę]d", "public"), ("gmin", "public"), ("powiat", "public"),
    ("miast", "public"), ("miejsk", "public"), ("wojew[óo]dz", "public"), ("marsza[łl]k", "public"),
    ("o[śs]rod\\w* pomocy spo[łl]ecznej", "public"), ("[mg]?ops(?!\\w)", "public"), ("pcpr", "public"),
    ("fundacj", "ngo"), ("stowarzysz", "ngo"), ("zwi[ąa]z", "ngo"), ("towarzystw", "ngo"),
    ("federacj", "ngo"), ("bank", "business"), ("sp[óo][łl]k", "business"),
    ("sp[óo][łl]dziel", "business"),
]]


@dataclass
class ImportResult:
    practice: dict[str, Any]
    organisations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Entry:
    line: int
    label: str
    name: str
    values: list[tuple[int, str]]          # (line, text); "" marks a blank line

    def text(self) -> str:
        return " ".join(v for _, v in self.values if v)


def slugify(text: str) -> str:
    """'Trzy Filary - Bank Partnerów Lokalnych' -> 'trzy-filary-bank-partnerow-lokalnych'."""
    text = text.lower().translate(_POLISH)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def practice_key(title: str) -> str:
    """slugify(title), cut at a word boundary to at most KEY_MAX characters."""
    key = slugify(title)
    if len(key) > KEY_MAX:
        cut = key[:KEY_MAX + 1].rpartition("-")[0] or key[:KEY_MAX]
        key = cut.strip("-")
    return key


def guess_sector(name: str) -> str | None:
    """public / ngo / business from the words of an organisation's name; None when nothing fits.
    A legal form (Sp. z o.o., S.A.) decides; otherwise the earliest telling word does, so that
    'Stowarzyszenie Gmin ...' is an NGO and 'Gminny Ośrodek ...' is public."""
    if _LEGAL_FORM.search(name):
        return "business"
    found = [(m.start(), sector) for pattern, sector in _SECTOR_WORDS if (m := pattern.search(name))]
    return min(found)[1] if found else None


def _lines(text: str) -> list[str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.replace("\xa0", " ").rstrip() for line in text.split("\n")]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _title(lines: list[str], marker: int, path: str) -> str:
    crumb = next((i for i in range(marker - 1, -1, -1) if _BREADCRUMB.match(lines[i].strip())), None)
    if crumb is not None:
        found = [lines[i] for i in range(crumb + 1, marker) if lines[i].strip()]
    else:
        found = [line for line in lines[marker - 1::-1] if line.strip()][:1] if marker else []
    title = _clean(" ".join(found))
    if not title:
        raise SourceError(path, "the page has no title: nothing between the breadcrumb "
                                "'Współpraca JST-NGO : Praktyki' and the '.: Skrót i Metryka' line",
                          line=marker + 1, field="title")
    return title


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [_clean(" ".join(p)) for p in paragraphs if p]


def _table(lines: list[str], start: int, path: str) -> dict[str, _Entry]:
    """The 'Label:  value' lines from index `start` to the closing marker (or footer, or end)."""
    entries: dict[str, _Entry] = {}
    current: _Entry | None = None
    for index in range(start, len(lines)):
        number, raw = index + 1, lines[index]
        line = raw.strip()
        if _MARKER.match(line) or _FOOTER.match(line):
            break
        match = None if raw[:1].isspace() else _LABEL.match(line)
        if match and match["label"].strip().lower() not in _CONTACT_LABELS:
            label = _clean(match["label"])
            name = _LABELS.get(label.lower())
            if name is None:
                raise SourceError(path, f"unknown label {label!r} in the 'Metryka praktyki' table "
                                        f"(known: {', '.join(sorted(set(_LABELS)))})", line=number,
                                  field=label)
            if name in entries:
                raise SourceError(path, f"label {label!r} given twice (first on line {entries[name].line})",
                                  line=number, field=label)
            value = _clean(match["value"] or "")
            current = entries[name] = _Entry(number, label, name, [(number, value)] if value else [])
        elif current is not None:
            current.values.append((number, _clean(line)))
        elif line:
            raise SourceError(path, f"text before the first label of the 'Metryka praktyki' table: {line!r}",
                              line=number)
    return entries


def _date(entry: _Entry, path: str) -> dt.date:
    value = entry.text()
    if not value:
        raise SourceError(path, f"{entry.label!r} has no value", line=entry.line, field=entry.label)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise SourceError(path, f"{entry.label!r}: {value!r} is not a date YYYY-MM-DD", line=entry.line,
                          field=entry.label)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise SourceError(path, f"{entry.label!r}: {value!r} is not a valid date ({exc})", line=entry.line,
                          field=entry.label) from None


def _population(entry: _Entry, path: str) -> int:
    value = entry.text()
    if not re.fullmatch(r"\d{1,3}(?:[.,\s]\d{3})+|\d+", value):
        raise SourceError(path, f"{entry.label!r}: {value!r} is not a whole number (digits, with '.' or "
                                "spaces between thousands)", line=entry.line, field=entry.label)
    return int(re.sub(r"\D", "", value))


def _postal(entry: _Entry, path: str) -> dict[str, str]:
    value = entry.text()
    match = re.fullmatch(r"(\d{2})\s*-\s*(\d{3})(?:\s+(.+))?", value)
    if not match:
        raise SourceError(path, f"{entry.label!r}: {value!r} is not 'NN-NNN Post office'", line=entry.line,
                          field=entry.label)
    result = {"postal_code": f"{match[1]}-{match[2]}"}
    if match[3]:
        result["post_office"] = match[3]
    return result


def _websites(entry: _Entry) -> list[str]:
    sites: list[str] = []
    for _, value in entry.values:
        for site in re.split(r"[\s,;]+", value):
            site = site.rstrip(".,;")
            if site and (url := site if _SCHEME.match(site) else f"http://{site}") not in sites:
                sites.append(url)
    return sites


def _email(value: str) -> str:
    value = re.sub(r"\s*[(\[]\s*at\s*[)\]]\s*", "@", value, flags=re.IGNORECASE)
    return re.sub(r"\s*[(\[]\s*(?:dot|kropka)\s*[)\]]\s*", ".", value, flags=re.IGNORECASE).strip()


def _contacts(entry: _Entry, path: str) -> list[dict[str, Any]]:
    groups: list[list[tuple[int, str]]] = [[]]
    for number, value in entry.values:
        if value:
            groups[-1].append((number, value))
        elif groups[-1]:
            groups.append([])
    contacts = []
    for group in filter(None, groups):
        (number, name), rest = group[0], group[1:]
        if _EMAIL.match(name) or _PHONE.match(name):
            raise SourceError(path, f"a contact person without a name (the block starts with {name!r})",
                              line=number, field=entry.label)
        roles: list[str] = []
        found = {"name": name}
        for _, value in rest:
            if _EMAIL.match(value) or re.fullmatch(r"\S+@\S+", value):
                addresses = _ADDRESS.findall(_email(_EMAIL.sub("", value)))
                kind, clean = "email", addresses[0] if len(addresses) == 1 else ""
            else:
                kind, clean = "phone", _PHONE.sub("", value) if _PHONE.match(value) else ""
            if clean and kind not in found:
                found[kind] = clean
            else:           # text, a second phone or e-mail, several addresses: all kept, as the role
                roles.append(value)
        found["role"] = ", ".join(roles)
        contacts.append({**{k: found[k] for k in ("name", "role", "phone", "email") if found.get(k)},
                         "publish": False})
    return contacts


def import_page(text: str, path: str) -> ImportResult:
    """A legacy page -> the practice record and the stub of its implementing unit."""
    lines = _lines(text)
    marker = next((i for i, line in enumerate(lines) if _MARKER.match(line.strip())), None)
    if marker is None:
        crumb = next((i for i, line in enumerate(lines) if _BREADCRUMB.match(line.strip())), None)
        raise SourceError(path, "the page has no title: the '.: Skrót i Metryka' line after the title is "
                                "missing", line=None if crumb is None else crumb + 2, field="title")
    title = _title(lines, marker, path)
    key = practice_key(title)
    if not key:
        raise SourceError(path, f"the title {title!r} gives no key (no letters or digits)", line=marker,
                          field="title")
    head = next((i for i in range(marker + 1, len(lines)) if lines[i].strip() == "Metryka praktyki"), None)
    if head is None:
        raise SourceError(path, "no 'Metryka praktyki' table, so no 'Data wprowadzenia do BDP' "
                                "(the date entered is required)", line=marker + 1, field="entered")
    paragraphs = _paragraphs(lines[marker + 1:head])
    table = _table(lines, head + 1, path)
    if "entered" not in table:
        raise SourceError(path, "no 'Data wprowadzenia do BDP' line in the 'Metryka praktyki' table "
                                "(the date entered is required)", line=head + 1, field="entered")

    practice: dict[str, Any] = {"key": key, "title": {"pl": title}}
    practice.update({"summary": {"pl": paragraphs[0]}} if paragraphs else {})
    practice.update({"description": {"pl": "\n\n".join(paragraphs[1:])}} if len(paragraphs) > 1 else {})
    practice["entered"] = _date(table["entered"], path)
    if unit_type := slugify(table["unit_type"].text()) if "unit_type" in table else "":
        practice["unit_type"] = unit_type
    organisations = []
    if unit := table["implementing_unit"].text() if "implementing_unit" in table else "":
        organisation: dict[str, Any] = {"key": slugify(unit), "name": {"pl": unit}}
        if sector := guess_sector(unit):
            organisation["sector"] = sector        # else left for an editor; the shapes report it
        organisations.append(organisation)
        practice["implementing_unit"] = organisation["key"]
    place: dict[str, Any] = {}
    for name in ("town", "voivodeship", "postal", "street", "population"):
        entry = table.get(name)
        if entry is None or not entry.text():
            continue
        if name == "postal":
            place.update(_postal(entry, path))
        elif name == "population":
            place["population"] = _population(entry, path)
        else:
            place[name] = entry.text().lower() if name == "voivodeship" else entry.text()
    if place:
        practice["place"] = place
    if "websites" in table and (sites := _websites(table["websites"])):
        practice["websites"] = sites
    if "contacts" in table and (contacts := _contacts(table["contacts"], path)):
        practice["contacts"] = contacts
    practice["source"] = {"page": PureWindowsPath(path).name}   # "/" and "\\" both separate
    return ImportResult(practice, organisations)
