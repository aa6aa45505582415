"""OUT/dumps/practices.csv: one row per practice (in IRI order) for users without RDF tools; several values
in one cell are sorted and joined by "; ". Made from the build's practice table (practice_table.py)."""

from __future__ import annotations

import csv
from pathlib import Path

from publisher.outputs.practice_table import Practice, PracticeTable

CSV_COLUMNS = ("iri", "key", "title_pl", "title_en", "summary_pl", "summary_en", "description_pl",
               "description_en", "entered", "modified", "unit_type", "themes", "funding", "implementing_unit",
               "implementing_unit_name", "partners", "town", "voivodeship_teryt", "voivodeship", "place_teryt",
               "postal_code", "street", "population", "latitude", "longitude", "websites")


def _joined(values: object) -> str:
    return "; ".join(sorted({v for v in values if v}))  # type: ignore[attr-defined]


def first(values: list[str] | None) -> str:
    return values[0] if values else ""


def row(table: PracticeTable, p: Practice) -> list[str]:
    place, notation = table.place(p), table.notation
    unit = p.first("implementing_unit")
    voivodeship = table.concepts.get(first(place.get("voivodeship")))
    address = table.node(first(place.get("address")))
    texts = p.texts
    return [p.iri, p.key, texts["title"].get("pl", ""), texts["title"].get("en", ""),
            texts["abstract"].get("pl", ""), texts["abstract"].get("en", ""),
            texts["description"].get("pl", ""), texts["description"].get("en", ""),
            p.first("issued") or "", p.first("modified") or "",
            notation(p.first("unit_type")) or "",
            _joined(notation(c) for c in p.values.get("subject", ())),
            _joined(notation(c) for c in p.values.get("funding", ())),
            unit or "", (table.name(unit) if unit else None) or "",
            _joined(table.name(o) for o in table.partners(p)),
            first(place.get("label")),
            (voivodeship.notation or "") if voivodeship else "",
            voivodeship.labels.get("pl", "") if voivodeship else "",
            first(table.node(first(place.get("identifier"))).get("notation")),
            first(address.get("postal_code")), first(address.get("street")),
            first(place.get("population")), first(place.get("lat")), first(place.get("long")),
            _joined(p.values.get("page", ()))]


def write_csv(table: PracticeTable, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(row(table, p) for p in table.practices.values())
