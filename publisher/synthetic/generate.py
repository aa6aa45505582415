"""Synthetic data sets in the source format (docs/model.md), for load tests and demos: never real data.

Deterministic for a seed and a Faker version: people's names, street names, company names and NIPs come
from Faker's pl_PL provider (seeded with the same seed); made-up towns, titles and descriptions from
wordlists.py; postal codes are drawn here (their first digit follows the voivodeship). Organisations form a pool (practices * 0.4, at least 20) drawn with a Zipf-like
popularity, so a few take part in thousands of practices. `to_yaml` writes these records only, faster
than yaml.CSafeDumper (bench/README.md); yaml.safe_load reads back the record (tests/test_generate.py
checks it)."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import math
import os
import random
import re
import shutil
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from faker import Faker

from publisher.errors import SourceError
from publisher.records.importer import practice_key, slugify
from publisher.synthetic.wordlists import (
    ENDINGS,
    OPENERS,
    ORG_NAMES,
    QUOTED,
    RIVERS,
    ROLES,
    ROOTS,
    SENTENCES,
    TAILS,
    TOPICS,
)

REAL_RECORD = Path("practices") / "trzy-filary-bank-partnerow-lokalnych.yaml"
ZIPF_S, ZIPF_Q = 1.0, 8.0       # popularity of the organisation ranked r: 1 / (r + q) ** s
CROSS_SECTOR = 0.6
THEMES = {"uslugi-spoleczne": 30, "uslugi-techniczne": 14, "rozwoj-instytucjonalny": 16,
          "efektywnosc-energetyczna": 8, "wspolpraca-miedzy-jst": 12, "dialog-spoleczny": 12, "smup": 8}
FUNDING = {"po-kl": 25, "efs": 20, "fio": 14, "rpo": 14, "eog": 5, "po-wer": 10, "budzet-jst": 20}
SECTORS = {"public": 45, "ngo": 40, "business": 15}
UNIT_TYPES = {"gmina-wiejska": (34, 2e3, 2e4), "gmina-miejsko-wiejska": (20, 5e3, 5e4),  # weight, population
              "gmina-miejska": (16, 4e3, 1.5e5), "miasto-na-prawach-powiatu": (12, 3.5e4, 1.8e6),
              "powiat": (14, 3e4, 3.5e5), "wojewodztwo": (4, 9.5e5, 5.5e6)}
VOIVODESHIPS = {  # name: population (millions), centre (lat, lon), TERYT code, first digit of postal codes
    "dolnośląskie": (2.87, 51.1, 16.4, "02", "5"), "kujawsko-pomorskie": (2.0, 53.1, 18.5, "04", "8"),
    "lubelskie": (2.0, 51.2, 22.9, "06", "2"), "lubuskie": (0.98, 52.2, 15.3, "08", "6"),
    "łódzkie": (2.4, 51.6, 19.4, "10", "9"), "małopolskie": (3.43, 49.9, 20.2, "12", "3"),
    "mazowieckie": (5.51, 52.3, 21.1, "14", "0"), "opolskie": (0.95, 50.6, 17.9, "16", "4"),
    "podkarpackie": (2.1, 49.9, 22.2, "18", "3"), "podlaskie": (1.15, 53.3, 22.9, "20", "1"),
    "pomorskie": (2.35, 54.2, 18.0, "22", "8"), "śląskie": (4.35, 50.3, 19.0, "24", "4"),
    "świętokrzyskie": (1.2, 50.8, 20.8, "26", "2"), "warmińsko-mazurskie": (1.38, 53.8, 20.8, "28", "1"),
    "wielkopolskie": (3.5, 52.3, 17.2, "30", "6"), "zachodniopomorskie": (1.65, 53.6, 15.6, "32", "7")}
BBOX = (49.0, 54.8, 14.2, 24.1)
_PLAIN = re.compile(r"^[^\W\d_][^:#,\[\]{}\"'\n]*(?<! )$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

Progress = Callable[[int, int], None]


class _Draw:
    """Weighted choice by bisecting cumulative weights."""

    def __init__(self, rng: random.Random, items: list[Any], weights: list[float]) -> None:
        self.rng, self.items, self.cum = rng, items, list(itertools.accumulate(weights))

    def __call__(self) -> Any:
        return self.items[bisect.bisect(self.cum, self.rng.random() * self.cum[-1])]


def _scalar(v: Any) -> str:
    if type(v) is str:
        return v if _PLAIN.match(v) and v.lower() not in _RESERVED else json.dumps(v, ensure_ascii=False)
    return ("true" if v else "false") if isinstance(v, bool) else str(v)     # int, float, date


def _flow(v: Any, limit: int = 72) -> str | None:
    """A short mapping or list of plain values on one line, like {lat: 54.1, lon: 18.7}; else None."""
    if any(isinstance(x, (dict, list)) or ":" in str(x) for x in (v.values() if isinstance(v, dict) else v)):
        return None     # nested, or a URL / text with a colon: block style, as yamlio.dump_yaml does
    if isinstance(v, dict):
        text = "{" + ", ".join(f"{k}: {_scalar(x)}" for k, x in v.items()) + "}"
    else:
        text = "[" + ", ".join(_scalar(x) for x in v) + "]"
    return text if len(text) <= limit else None


def to_yaml(record: dict[str, Any], pad: str = "") -> str:
    """Block YAML of a generated record; long texts as literal blocks (the texts have no odd whitespace)."""
    out = []
    for k, x in record.items():
        if isinstance(x, str) and len(x) > 80:
            out.append(f"{pad}{k}: |-\n" + "\n".join(f"{pad}  {ln}" if ln else "" for ln in x.split("\n")))
        elif not isinstance(x, (dict, list)):
            out.append(f"{pad}{k}: {_scalar(x)}")
        elif (flow := _flow(x)) is not None:
            out.append(f"{pad}{k}: {flow}")
        elif isinstance(x, dict):
            out.append(f"{pad}{k}:\n" + to_yaml(x, pad + "  ").rstrip("\n"))
        else:
            out.append(f"{pad}{k}:")
            for item in x:
                if not isinstance(item, dict):
                    out.append(f"{pad}  - {_scalar(item)}")
                elif (flow := _flow(item, 110)) is not None:
                    out.append(f"{pad}  - {flow}")
                else:
                    out.append(f"{pad}  - " + to_yaml(item, pad + "    ").rstrip("\n")[len(pad) + 4:])
    return "\n".join(out) + "\n"


def _refuse_real_data(out: Path) -> None:
    resolved = out.resolve()
    for folder in (resolved, *resolved.parents):
        records = folder.name == "data" and any((folder / s).is_dir() for s in ("practices", "organisations"))
        if records or (folder / REAL_RECORD).exists():
            raise SourceError(str(out), f"refusing to generate into {folder}, which holds the real records: "
                                        "generated data never goes into data/")
    for sub in ("practices", "organisations"):
        if any((out / sub).glob("*.yaml")) and not (out / "SYNTHETIC.md").is_file():
            raise SourceError(str(out), f"refusing to write into {out / sub}: it holds records and {out} "
                                        "has no SYNTHETIC.md (it is not a generated data set)")


def _write(path: Path, data: bytes) -> None:
    """Path.write_bytes without the buffered file object: a third faster for 140,000 small files."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:                       # a regular file takes it all at once, but may not
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _readme(out: Path, seed: int, counts: dict[str, int]) -> None:
    (out / "SYNTHETIC.md").write_text(
        "# Synthetic data set\n\nEvery record here is made up by `bdp generate` (publisher/synthetic/generate.py,"
        f" seed {seed}, Faker {version('Faker')}): no real practice, organisation or person.\nPractices carry `synthetic: true`. "
        "Never copy these files into data/.\n\n" + "".join(f"- {k}: {v}\n" for k, v in counts.items()),
        encoding="utf-8")


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        self.fake = Faker("pl_PL")
        self.fake.seed_instance(seed)
        self.towns = [r + e + rv for r in ROOTS for e in ENDINGS for rv in RIVERS]
        self.voiv, self.unit, self.theme, self.fund, self.sector = (
            _Draw(rng, list(table), [w if isinstance(w, int) else w[0] for w in table.values()])
            for table in (VOIVODESHIPS, UNIT_TYPES, THEMES, FUNDING, SECTORS))
        self.org_keys: set[str] = set()
        self.practice_keys: set[str] = set()
        self.slugs: dict[str, str] = {}

    @staticmethod
    def _unique(key: str, taken: set[str]) -> str:
        candidate = next(c for n in itertools.count(1) if (c := f"{key}-{n}" if n > 1 else key) not in taken)
        taken.add(candidate)
        return candidate

    def organisation(self, sector: str) -> dict[str, Any]:
        rng, voiv = self.rng, self.voiv()
        region = "-".join(p.capitalize() for p in voiv.split("-"))[:-2] + "iego"   # genitive
        for _ in range(20):     # a name already taken is drawn again; after 20 draws the key gets a number
            template, unit, root = *rng.choice(ORG_NAMES[sector]), rng.choice(ROOTS)
            name = template.format(town=rng.choice(self.towns), root=root, Root=root.capitalize(),
                                   region=region, n=rng.randint(1, 40), topic=rng.choice(TOPICS),
                                   quoted=rng.choice(QUOTED),
                                   company=self.fake.company() if "{company}" in template else "")
            if self.slug(name) not in self.org_keys:
                break
        gmina = "" if unit == "powiat" else f"{rng.randint(1, 20):02d}{2 if unit and 'wiej' in unit else 1}"
        teryt = f"{VOIVODESHIPS[voiv][3]}{rng.randint(1, 30):02d}{gmina}"
        ident = {"public": ("teryt", teryt) if unit else None, "ngo": ("krs", f"{rng.randrange(10**6):010d}"),
                 "business": ("nip", self.nip())}[sector]
        key = self._unique(self.slug(name), self.org_keys)
        org = {"key": key, "name": {"pl": name}, "sector": sector, "unit_type": unit, "voivodeship": voiv,
               "identifiers": {ident[0]: ident[1]} if ident and rng.random() < 0.7 else None,
               "websites": [f"http://www.{key.replace('-', '')[:24]}.pl"] if rng.random() < 0.6 else None,
               "synthetic": True}
        return {k: v for k, v in org.items() if v is not None}

    def nip(self) -> str:
        """A NIP with a valid check digit (the shapes reject any other)."""
        return str(self.fake.nip())

    def partners(self, orgs: list[dict[str, Any]], draw: _Draw, by_sector: dict[str, _Draw]) -> list[int]:
        """2-5 distinct organisations, the lead first; cross-sector with probability CROSS_SECTOR."""
        k = self.rng.choices((2, 3, 4, 5), (35, 30, 20, 15))[0]
        chosen = [draw()]
        sector = orgs[chosen[0]]["sector"]
        same = self.rng.random() >= CROSS_SECTOR and len(by_sector[sector].items) >= k
        pick = by_sector[sector] if same else draw
        while len(chosen) < k:
            if (i := pick()) not in chosen:
                chosen.append(i)
        others = [s for s in SECTORS if s != sector and by_sector[s].items]
        if not same and others and all(orgs[i]["sector"] == sector for i in chosen):
            chosen[-1] = by_sector[self.rng.choice(others)]()
        return chosen

    def text(self, count: int, town: str) -> str:
        n = self.rng.randint(2, 9)
        return " ".join(s.format(town=town, n=n) for s in self.rng.sample(SENTENCES, count))

    def slug(self, text: str) -> str:
        """slugify, remembered: towns and names repeat across 100,000 practices."""
        return self.slugs.get(text) or self.slugs.setdefault(text, slugify(text))

    def practice(self, orgs: list[dict[str, Any]], chosen: list[int]) -> dict[str, Any]:
        rng, town, voiv, unit = self.rng, self.rng.choice(self.towns), self.voiv(), self.unit()
        entered = dt.date(2008, 4, 1) + dt.timedelta(days=rng.randrange(3200))
        tail = rng.choice(TAILS).format(town=town, year=entered.year, n=rng.randint(2, 6))
        title = f"{rng.choice(OPENERS)} {rng.choice(TOPICS)}{tail}"
        public = [i for i in chosen if orgs[i]["sector"] == "public"]
        _, lat, lon, _, zone = VOIVODESHIPS[voiv]
        low, high = UNIT_TYPES[unit][1:]
        lat = round(min(max(lat + rng.uniform(-0.6, 0.6), BBOX[0]), BBOX[1]), 4)
        lon = round(min(max(lon + rng.uniform(-0.9, 0.9), BBOX[2]), BBOX[3]), 4)
        place = {"town": town, "voivodeship": voiv,
                 "postal_code": f"{zone}{rng.randint(0, 9)}-{rng.randint(0, 999):03d}", "post_office": town,
                 "street": f"ul. {self.fake.street_name()} {rng.randint(1, 120)}" if rng.random() < 0.7 else None,
                 "population": int(math.exp(rng.uniform(math.log(low), math.log(high)))),
                 "coordinates": {"lat": lat, "lon": lon} if rng.random() < 0.2 else None}
        rec: dict[str, Any] = {
            "key": self._unique(practice_key(title), self.practice_keys), "title": {"pl": title},
            "summary": {"pl": self.text(rng.randint(2, 3), town)},
            "description": {"pl": "\n\n".join(self.text(rng.randint(2, 4), town)
                                              for _ in range(rng.randint(1, 3)))},
            "entered": entered,
            "modified": entered + dt.timedelta(days=rng.randint(1, 3000)) if rng.random() < 0.3 else None,
            "unit_type": unit,
            "themes": sorted({self.theme() for _ in range(rng.choices((1, 2), (7, 3))[0])}),
            "funding": sorted({self.fund() for _ in range(rng.choices((0, 1, 2), (15, 50, 35))[0])}) or None,
            "implementing_unit": orgs[(public or chosen)[0]]["key"],
            "place": {k: v for k, v in place.items() if v is not None},
            "websites": [f"http://www.{self.slug(town).replace('-', '')}.pl"] if rng.random() < 0.8 else None,
            "partners": [{"organisation": orgs[i]["key"], "role": "partner" if n else "lead"}
                         for n, i in enumerate(chosen)]}
        domain = rec["implementing_unit"].replace("-", "")[:24]
        rec["contacts"] = [self.contact(domain)
                           for _ in range(rng.choices((0, 1, 2), (25, 50, 25))[0])] or None
        rec["synthetic"] = True
        return {k: v for k, v in rec.items() if v is not None}

    def contact(self, domain: str) -> dict[str, Any]:
        rng, gender = self.rng, self.rng.choice("mf")
        first, surname = ((self.fake.first_name_female(), self.fake.last_name_female()) if gender == "f"
                          else (self.fake.first_name_male(), self.fake.last_name_male()))
        return {"name": f"{first} {surname}", "role": rng.choice(ROLES),
                "phone": f"{rng.randint(12, 95)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                         f"{rng.randint(10, 99)}",
                "email": f"{self.slug(first)[0]}.{self.slug(surname)}@{domain}.pl",
                "publish": rng.random() < 0.4}


def generate(practices: int, out: Path, seed: int = 0, progress: Progress | None = None) -> dict[str, int]:
    """Write `practices` synthetic practices and their organisations under `out`; returns counts.
    `progress(done, total)` is called every 1000 practices and at the end."""
    out = Path(out)
    if practices < 0:
        raise SourceError(str(out), f"the number of practices must be 0 or more, not {practices}")
    _refuse_real_data(out)
    for sub in ("practices", "organisations"):
        if (out / "SYNTHETIC.md").is_file():      # an earlier generated set: replaced whole
            shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True, exist_ok=True)
    _readme(out, seed, {})                         # first, so that an interrupted run can be re-run
    gen = _Generator(seed)
    orgs = [gen.organisation(gen.sector()) for _ in range(max(20, round(practices * 0.4)))]
    weights = [1 / (r + ZIPF_Q) ** ZIPF_S for r in range(len(orgs))]
    draw = _Draw(gen.rng, list(range(len(orgs))), weights)
    by_sector = {s: _Draw(gen.rng, [i for i, o in enumerate(orgs) if o["sector"] == s],
                          [weights[i] for i, o in enumerate(orgs) if o["sector"] == s]) for s in SECTORS}
    counts = dict.fromkeys(("practices", "organisations", "partners", "cross_sector", "contacts",
                            "contacts_published", "bytes"), 0)
    for n in range(practices):
        chosen = gen.partners(orgs, draw, by_sector)
        rec = gen.practice(orgs, chosen)
        data = to_yaml(rec).encode("utf-8")
        _write(out / "practices" / f"{rec['key']}.yaml", data)
        contacts = rec.get("contacts", [])
        counts["bytes"] += len(data)
        counts["partners"] += len(chosen)
        counts["cross_sector"] += len({orgs[i]["sector"] for i in chosen}) > 1
        counts["contacts"] += len(contacts)
        counts["contacts_published"] += sum(c["publish"] for c in contacts)
        if progress and (n + 1) % 1000 == 0:
            progress(n + 1, practices)
    for org in orgs:
        data = to_yaml(org).encode("utf-8")
        _write(out / "organisations" / f"{org['key']}.yaml", data)
        counts["bytes"] += len(data)
    counts["practices"], counts["organisations"] = practices, len(orgs)
    _readme(out, seed, counts)
    if progress and practices % 1000:
        progress(practices, practices)
    return counts
