"""Practices on the map: the points of a bounding box from the search index's R*Tree, never more than
MAX_FEATURES per answer. When a box holds more, the points are grouped on a GRID x GRID grid over the box
(one feature per cell: its practice if it has one, else a cluster with a count) and the answer is
flagged `clustered`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from publisher.errors import QueryError
from publisher.read.search import SearchIndex

MAX_FEATURES = 500
GRID = 16


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def params(self) -> tuple[float, float, float, float]:
        return (self.min_lon, self.max_lon, self.min_lat, self.max_lat)


POLAND = BBox(14.1, 49.0, 24.2, 54.9)


def parse_bbox(text: str | None) -> BBox:
    """'minlon,minlat,maxlon,maxlat' (WGS84 degrees); Poland when absent."""
    if text is None or not text.strip():
        return POLAND
    parts = text.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise QueryError(f"parameter 'bbox': {text[:80]!r} is not four numbers minlon,minlat,maxlon,maxlat")\
            from None
    if not all(-180 <= v <= 180 for v in (min_lon, max_lon)) or not all(-90 <= v <= 90 for v in (min_lat, max_lat)):
        raise QueryError(f"parameter 'bbox': {text[:80]!r} is outside -180..180 (lon) and -90..90 (lat)")
    if min_lon > max_lon or min_lat > max_lat:
        raise QueryError(f"parameter 'bbox': {text[:80]!r}: the minimum must not exceed the maximum")
    return BBox(min_lon, min_lat, max_lon, max_lat)


# Points touching the box (the R*Tree keeps 32-bit floats, rounded outwards).
_INSIDE = "max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ?"


def _point(row: tuple, doc_url: Callable[[str], str]) -> dict[str, Any]:
    pid, lon, lat, key, title_pl, title_en, town = row
    title = {k: v for k, v in (("pl", title_pl), ("en", title_en)) if v}
    return {"type": "Feature", "id": key, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"key": key, "title": title, "town": town or "", "url": doc_url(key)}}


def _points(index: SearchIndex, ids: list[int], doc_url: Callable[[str], str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = index.db.execute(
        "SELECT p.id, p.lon, p.lat, p.key, t.title_pl, t.title_en, t.town FROM practice p "
        f"JOIN practice_text t ON t.id = p.id WHERE p.id IN ({marks}) ORDER BY p.key", ids)
    return [_point(r, doc_url) for r in rows]


def features(index: SearchIndex, bbox: BBox, doc_url: Callable[[str], str], *,
             max_features: int = MAX_FEATURES, grid: int = GRID) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the practices in `bbox`; `doc_url(key)` is a practice's page."""
    total = index.db.execute(f"SELECT COUNT(*) FROM practice_geo WHERE {_INSIDE}", bbox.params()).fetchone()[0]
    if total <= max_features:
        ids = [r[0] for r in index.db.execute(f"SELECT id FROM practice_geo WHERE {_INSIDE}", bbox.params())]
        found = _points(index, ids, doc_url)
        clustered = False
    else:
        width = max((bbox.max_lon - bbox.min_lon) / grid, 1e-9)
        height = max((bbox.max_lat - bbox.min_lat) / grid, 1e-9)
        cells = index.db.execute(
            "SELECT MIN(id), COUNT(*), AVG(min_lon), AVG(min_lat), MIN(min_lon), MIN(min_lat), MAX(max_lon), "
            f"MAX(max_lat) FROM practice_geo WHERE {_INSIDE} "
            "GROUP BY CAST((min_lon - ?) / ? AS INTEGER), CAST((min_lat - ?) / ? AS INTEGER)",
            (*bbox.params(), bbox.min_lon, width, bbox.min_lat, height)).fetchall()
        singles = [c[0] for c in cells if c[1] == 1]
        found = _points(index, singles, doc_url)
        for _, count, lon, lat, w, s, e, n in cells:
            if count > 1:
                found.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                              "properties": {"cluster": True, "count": count, "bbox": [w, s, e, n]}})
        clustered = True
    return {"type": "FeatureCollection", "features": found,
            "bbox": [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat],
            "properties": {"total": total, "clustered": clustered, "max_features": max_features}}
