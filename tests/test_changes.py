"""Issue 17: every build records what changed since the previous one in OUT (changes.json, records.json)."""

from __future__ import annotations

import json
from pathlib import Path

from publisher.pipeline.build import build

BASE = "https://w3id.org/bdp/id/"
SEED = "trzy-filary-bank-partnerow-lokalnych"


def _changes(out: Path) -> dict:
    return json.loads((out / "changes.json").read_text(encoding="utf-8"))


def _iris(found: dict, what: str) -> list[str]:
    return [e["iri"] for e in found[what]]


def test_first_build_creates_everything_then_changes_are_listed(data_copy, tmp_path, settings):
    out = tmp_path / "out"
    orgs = data_copy / "organisations"
    bank = (orgs / "bank-spoldzielczy-w-tczewie.yaml").read_text(encoding="utf-8")
    (orgs / "stary-bank.yaml").write_text(bank.replace("key: bank-spoldzielczy-w-tczewie", "key: stary-bank"),
                                          encoding="utf-8")
    build(settings, data_copy, out, workers=1)
    first = _changes(out)
    assert first["previous"] is None and first["full"] is True and first["updated"] == first["deleted"] == []
    assert _iris(first, "created") == sorted([f"{BASE}organisation/{p.stem}" for p in
                                              (data_copy / "organisations").glob("*.yaml")]
                                             + [f"{BASE}practice/{SEED}"])
    rows = json.loads((out / "records.json").read_text(encoding="utf-8"))
    seed = next(r for r in rows["records"] if r[1] == "practice")
    assert dict(zip(rows["columns"], seed, strict=True))["refs"] == [
        "organisation:starostwo-powiatowe-w-tczewie", "organisation:powiat-tczewski",
        "organisation:fundacja-pokolenia", "organisation:bank-spoldzielczy-w-tczewie"]

    # A comment changes a file but not its triples: not an update. A new name is one; a new record is
    # created; a removed one is deleted.
    (orgs / "powiat-tczewski.yaml").write_text((orgs / "powiat-tczewski.yaml").read_text() + "# note\n")
    text = (orgs / "fundacja-pokolenia.yaml").read_text(encoding="utf-8")
    (orgs / "fundacja-pokolenia.yaml").write_text(text.replace("Fundacja", "Fundacja Nowa", 1), encoding="utf-8")
    (orgs / "stary-bank.yaml").unlink()
    (orgs / "nowy-bank.yaml").write_text(bank.replace("key: bank-spoldzielczy-w-tczewie", "key: nowy-bank"),
                                         encoding="utf-8")
    build(settings, data_copy, out, workers=1)
    second = _changes(out)
    assert second["previous"] == first["build"]
    assert _iris(second, "created") == [f"{BASE}organisation/nowy-bank"]
    assert _iris(second, "updated") == [f"{BASE}organisation/fundacja-pokolenia"]
    assert second["deleted"] == [{"kind": "organisation", "key": "stary-bank",
                                  "iri": f"{BASE}organisation/stary-bank"}]
