"""What a build knows about its own output, for the catalogue, VoID, the dumps and the sitemap: counts,
dates, partitions, links, and each downloadable file's size and SHA-256. Written by `bdp build` as
OUT/catalog.json and read by the server, which describes the same build at its own URL."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

FACTS_FILE = "catalog.json"
SITEMAP_LIMIT = 50_000   # URLs in one sitemap file (sitemaps.org)


@dataclass(frozen=True)
class Dump:
    name: str                      # file name under OUT/dumps/ and /dumps/ (stable across builds)
    format: str                    # formats.py name of the content
    compressed: bool               # gzip (served as application/gzip, never Content-Encoding)
    title: dict[str, str]
    description: dict[str, str]

    @property
    def slug(self) -> str:
        return self.name.replace(".", "-")

    @property
    def rdf(self) -> bool:
        return self.format != "csv"


# The one table of downloadable files.
DUMPS: tuple[Dump, ...] = (
    Dump("bdp.ttl.gz", "ttl", True, {"pl": "Cały zbiór w Turtle (gzip)", "en": "Whole dataset as Turtle (gzip)"},
         {"pl": "Wszystkie trójki zbioru (dane, ontologia, słowniki) w formacie Turtle, skompresowane gzip.",
          "en": "Every triple of the dataset (data, ontology, vocabularies) as Turtle, gzip-compressed."}),
    Dump("bdp.nt.gz", "nt", True,
         {"pl": "Cały zbiór w N-Triples (gzip)", "en": "Whole dataset as N-Triples (gzip)"},
         {"pl": "Wszystkie trójki zbioru w formacie N-Triples (jedna trójka w wierszu), skompresowane gzip.",
          "en": "Every triple of the dataset as N-Triples (one triple a line), gzip-compressed."}),
    Dump("bdp.jsonld.gz", "jsonld", True,
         {"pl": "Cały zbiór w JSON-LD (gzip)", "en": "Whole dataset as JSON-LD (gzip)"},
         {"pl": "Wszystkie trójki zbioru w formacie JSON-LD, skompresowane gzip.",
          "en": "Every triple of the dataset as JSON-LD, gzip-compressed."}),
    Dump("practices.csv", "csv", False, {"pl": "Praktyki w CSV", "en": "Practices as CSV"},
         {"pl": "Jeden wiersz na praktykę (UTF-8, nagłówek po angielsku), dla użytkowników bez RDF.",
          "en": "One row per practice (UTF-8, English header), for users without RDF tools."}),
)
BY_FILE = {d.name: d for d in DUMPS}


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    modified: str        # ISO 8601 UTC: when these bytes first appeared (kept across identical rebuilds)


@dataclass(frozen=True)
class Facts:
    public: str                               # URL prefix the build wrote into its own copies
    practices: int = 0
    issued: str | None = None                 # earliest dct:issued of a practice
    modified: str | None = None               # latest dct:modified of a practice
    triples: int = 0                          # triples of the default graph (= the dumps)
    entities: int = 0                         # distinct subjects under {base}id/
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: list[tuple[str, int]] = field(default_factory=list)      # class, instances
    properties: list[tuple[str, int]] = field(default_factory=list)   # property, triples
    vocabularies: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    linksets: list[tuple[str, str, int]] = field(default_factory=list)  # predicate, target prefix, triples
    linkset_files: list[tuple[str, str, str, int]] = field(default_factory=list)  # OUT/links/ file, the same
    files: dict[str, FileFacts] = field(default_factory=dict)
    sitemaps: int = 0                         # sitemap-N.xml files behind an index; 0: one urlset
    sitemap_sha256: str = ""
    stamp: str = ""                           # when the description last changed (Last-Modified)

    def fingerprint(self) -> str:
        """Everything but the time stamps: equal fingerprints, same documents."""
        data = asdict(self)
        data.pop("stamp")
        for info in data["files"].values():
            info.pop("modified")
        return json.dumps(data, sort_keys=True)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Facts:
        data = json.loads(text)
        data["classes"] = [tuple(x) for x in data.get("classes", [])]
        data["properties"] = [tuple(x) for x in data.get("properties", [])]
        data["linksets"] = [tuple(x) for x in data.get("linksets", [])]
        data["linkset_files"] = [tuple(x) for x in data.get("linkset_files", [])]
        data["files"] = {k: FileFacts(**v) for k, v in data.get("files", {}).items()}
        return cls(**data)

    def with_(self, **changes: object) -> Facts:
        return replace(self, **changes)  # type: ignore[arg-type]


def load_facts(out: Path) -> Facts | None:
    path = out / FACTS_FILE
    try:
        return Facts.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def public_prefix(url: str) -> str:
    return url if url.endswith("/") else url + "/"
