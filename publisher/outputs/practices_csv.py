"""OUT/dumps/practices.csv: one row per practice (in IRI order) for users without RDF tools; several values
in one cell are sorted and joined by "; ". Made from the build's practice table (practice_table.py).

Each row's length in bytes goes to OUT/practices.csv.rows.json (as the dumps' members do), so that an
incremental build can replace the rows of the practices it touched and copy the others
(table_patches.py)."""

from __future__ import annotations

import csv
import io
import json
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


def encoded(values: list[str] | tuple[str, ...]) -> bytes:
    """One CSV line as the file holds it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


HEADER = encoded(CSV_COLUMNS)


def rows_file(path: Path) -> Path:
    return path.parent.parent / f"{path.name}.rows.json"   # OUT/practices.csv.rows.json for OUT/dumps/...


def write_rows(path: Path, sizes: list[int]) -> None:
    rows_file(path).write_text(json.dumps(sizes) + "\n", encoding="utf-8")


def read_rows(path: Path) -> list[int] | None:
    """The rows' lengths of a CSV written by `write_csv`, or None when they are not there or do not add up."""
    try:
        sizes = json.loads(rows_file(path).read_text(encoding="utf-8"))
        ok = isinstance(sizes, list) and len(HEADER) + sum(sizes) == path.stat().st_size
    except (OSError, ValueError, TypeError):
        return None
    return sizes if ok else None


def write_csv(table: PracticeTable, path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    sizes = []
    with open(path, "wb") as f:
        f.write(HEADER)
        for p in table.practices.values():
            writer.writerow(row(table, p))
            data = buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            f.write(data)
            sizes.append(len(data))
    write_rows(path, sizes)
