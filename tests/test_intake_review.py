"""From the form to the published graph: a proposal sent over HTTP, `bdp review accept` (the real command
line), then `bdp build` publishes exactly the triples of a hand-written record with the same content.
Also: text with HTML stays text in the review and on the published pages, reject keeps a record, and
nothing of the queue is ever served, dumped, indexed or catalogued."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil

import requests
import yaml
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from publisher.pipeline.build import build
from publisher.web import create_app
from tests.conftest import DATA, invoke_bdp
from tests.intake_support import PDF, FormClient, intake_app, queued

PROPOSAL = {
    "title_pl": "Spółdzielnia socjalna w Gniewie", "title_en": "A social cooperative in Gniew",
    "summary_pl": "Gmina i fundacja założyły spółdzielnię.", "description_pl": "Pierwszy akapit.\n\nDrugi akapit.",
    "unit_type": "gmina-miejsko-wiejska", "themes": ["uslugi-spoleczne", "dialog-spoleczny"], "funding": ["fio"],
    "town": "Gniew", "voivodeship": "pomorskie", "postal_code": "83-140", "street": "Plac Grunwaldzki 1",
    "population": "15500", "teryt": "2214033", "lat": "53.8383", "lon": "18.8236",
    "websites": "https://gniew.example.org\nwww.spoldzielnia.example.org",
    "partner-0-name": "Fundacja Pokolenia", "partner-0-role": "lead",
    "partner-1-name": "Spółdzielnia Socjalna Gniew", "partner-1-sector": "ngo", "partner-1-krs": "0000123456",
    "contact-0-name": "Anna Nowak", "contact-0-role": "Prezeska", "contact-0-phone": "58 123 45 67",
    "contact-0-email": "anna@example.org", "contact-0-publish": "yes",
    "contact-1-name": "Jan Tajny", "contact-1-phone": "600 000 000", "contact-1-email": "jan@example.org",
    "attachment-0-title": "Statut spółdzielni",
}

# The same practice as an editor would write it by hand.
HAND_PRACTICE = """\
key: spoldzielnia-socjalna-w-gniewie
title: {pl: Spółdzielnia socjalna w Gniewie, en: A social cooperative in Gniew}
summary: {pl: Gmina i fundacja założyły spółdzielnię.}
description:
  pl: |-
    Pierwszy akapit.

    Drugi akapit.
entered: %s
unit_type: gmina-miejsko-wiejska
themes: [uslugi-spoleczne, dialog-spoleczny]
funding: [fio]
place:
  town: Gniew
  voivodeship: pomorskie
  postal_code: 83-140
  street: Plac Grunwaldzki 1
  population: 15500
  teryt: "2214033"
  coordinates: {lat: 53.8383, lon: 18.8236}
websites: [https://gniew.example.org, www.spoldzielnia.example.org]
partners:
  - {organisation: fundacja-pokolenia, role: lead}
  - {organisation: spoldzielnia-socjalna-gniew, role: partner}
contacts:
  - {name: Anna Nowak, role: Prezeska, phone: 58 123 45 67, email: anna@example.org, publish: true}
attachments:
  - title: {pl: Statut spółdzielni}
    file: attachments/spoldzielnia-socjalna-w-gniewie-1.pdf
"""
HAND_ORGANISATION = """\
key: spoldzielnia-socjalna-gniew
name: {pl: Spółdzielnia Socjalna Gniew}
sector: ngo
identifiers: {krs: "0000123456"}
"""


def _send(url: str, fields: dict, lang: str = "pl", files: dict | None = None) -> str:
    client = FormClient(url, lang)
    client.open()
    answer = client.send(fields, files=files)
    assert answer.status_code == 303, answer.text[:2000]
    return answer.headers["Location"].split("/")[-1].split("?")[0]


def _dump(out) -> Graph:
    with gzip.open(out / "dumps" / "bdp.nt.gz") as f:
        return Graph().parse(f, format="nt")


def test_accept_then_build_publishes_same_triples_as_hand_written(built, settings, data_copy, tmp_path,
                                                                 live_server):
    queue = tmp_path / "queue"
    server = live_server(intake_app(settings, built, queue))
    number = _send(server.url, PROPOSAL, files={"attachment-0-file": ("x.pdf", PDF, "application/pdf")})

    done = invoke_bdp("review", "accept", number, "--data", str(data_copy), "--intake", str(queue))
    assert done.returncode == 0, done.stderr
    assert f"wrote {data_copy}/practices/spoldzielnia-socjalna-w-gniewie.yaml" in done.stdout
    assert f"wrote {data_copy}/organisations/spoldzielnia-socjalna-gniew.yaml" in done.stdout
    assert f"wrote {data_copy}/attachments/spoldzielnia-socjalna-w-gniewie-1.pdf" in done.stdout
    assert "left out 1 contact(s) without consent" in done.stdout
    written = (data_copy / "practices" / "spoldzielnia-socjalna-w-gniewie.yaml").read_text(encoding="utf-8")
    assert "Jan Tajny" not in written and "600 000 000" not in written   # no consent: stays in the queue
    proposal = yaml.safe_load((queue / number / "proposal.yaml").read_text(encoding="utf-8"))
    assert proposal["status"] == "accepted"
    assert [h["event"] for h in proposal["history"]] == ["submitted", "accepted"]
    assert proposal["practice"]["contacts"][1]["name"] == "Jan Tajny"

    built_from_proposal = invoke_bdp("build", "--data", str(data_copy), "--out", str(tmp_path / "out1"))
    assert built_from_proposal.returncode == 0, built_from_proposal.stderr

    hand = tmp_path / "hand"
    shutil.copytree(DATA, hand, ignore=shutil.ignore_patterns("links"))
    (hand / "practices" / "spoldzielnia-socjalna-w-gniewie.yaml").write_text(
        HAND_PRACTICE % dt.date.today().isoformat(), encoding="utf-8")
    (hand / "organisations" / "spoldzielnia-socjalna-gniew.yaml").write_text(HAND_ORGANISATION, encoding="utf-8")
    (hand / "attachments" / "spoldzielnia-socjalna-w-gniewie-1.pdf").write_bytes(PDF)
    build(settings, hand, tmp_path / "out2", workers=1)

    ours, theirs = _dump(tmp_path / "out1"), _dump(tmp_path / "out2")
    _, only_ours, only_theirs = graph_diff(ours, theirs)
    assert isomorphic(ours, theirs), (sorted(only_ours)[:10], sorted(only_theirs)[:10])
    assert "Anna Nowak" in {str(o) for o in ours.objects()}          # consent given: published
    assert "Jan Tajny" not in {str(o) for o in ours.objects()}


SCRIPT = "<script>alert(1)</script>"


def test_html_stays_text_in_review_and_on_published_pages(built, settings, data_copy, tmp_path, live_server):
    queue = tmp_path / "queue"
    server = live_server(intake_app(settings, built, queue))
    texts = ("title_pl", "title_en", "summary_pl", "summary_en", "description_pl", "description_en", "town",
             "street", "partner-1-name", "contact-0-name", "contact-0-role", "attachment-0-title")
    fields = {**PROPOSAL, **{name: f"{name} {SCRIPT}" for name in texts},
              "contact-1-name": "Terminal \x1b[2J\x1b]0;pwned\x07 escape"}
    number = _send(server.url, fields, files={"attachment-0-file": ("x.txt", b"plain text\n", "text/plain")})

    shown = invoke_bdp("review", "show", number, "--intake", str(queue))
    assert shown.returncode == 0, shown.stderr
    for name in texts:
        assert f"{name} {SCRIPT}" in shown.stdout, name                  # shown as the text it is
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout       # no terminal control reaches the editor
    listed = invoke_bdp("review", "list", "--intake", str(queue))
    assert "\x1b" not in listed.stdout and number in listed.stdout

    done = invoke_bdp("review", "accept", number, "--key", "html-test", "--data", str(data_copy),
                      "--intake", str(queue))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    build(settings, data_copy, out, workers=1)
    site = live_server(create_app(settings.with_(out=out, tile_url="")))
    for path, names in (("doc/practice/html-test", ("title_pl", "summary_pl", "description_pl", "town",
                                                     "street", "contact-0-name", "attachment-0-title")),
                        ("doc/practice/html-test?lang=en", ("title_en", "summary_en", "description_en")),
                        ("doc/organisation/partner-1-name-script-alert-1-script", ("partner-1-name",))):
        page = requests.get(site.url + path, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
        for name in names:
            assert f"{name} &lt;script&gt;alert(1)&lt;/script&gt;" in page.text, (path, name)


def test_reject_keeps_a_record(built, settings, tmp_path, live_server, data_copy):
    queue = tmp_path / "queue"
    server = live_server(intake_app(settings, built, queue))
    number = _send(server.url, {"title_pl": "Do odrzucenia"}, "en")
    assert invoke_bdp("review", "reject", number, "--intake", str(queue)).returncode == 2     # --reason required
    done = invoke_bdp("review", "reject", number, "--reason", "Nie jest praktyką współpracy.", "--intake", str(queue))
    assert done.returncode == 0 and "rejected" in done.stdout
    proposal = yaml.safe_load((queue / number / "proposal.yaml").read_text(encoding="utf-8"))
    assert proposal["status"] == "rejected"
    assert proposal["history"][-1]["reason"] == "Nie jest praktyką współpracy."
    again = invoke_bdp("review", "accept", number, "--data", str(data_copy), "--intake", str(queue))
    assert again.returncode == 1 and "already rejected" in again.stderr
    assert not (data_copy / "practices" / "do-odrzucenia.yaml").exists()
    assert invoke_bdp("review", "list", "--intake", str(queue)).stdout == ""
    assert number in invoke_bdp("review", "list", "--all", "--intake", str(queue)).stdout
    for bad in ("../../etc/passwd", "20261206-1234567/"):
        refused = invoke_bdp("review", "show", bad, "--intake", str(queue))
        assert refused.returncode == 1 and "not a proposal ID" in refused.stderr


def test_queue_never_reaches_sparql_dumps_sitemap_search_or_catalogue(built, settings, tmp_path, live_server):
    """A pending proposal, then everything the site publishes, asked of the same server that took it."""
    queue = tmp_path / "queue"
    out = tmp_path / "out"
    shutil.copytree(built, out)
    server = live_server(intake_app(settings, out, queue))
    marker = "Kwiatuszekzgloszenia"
    _send(server.url, {**PROPOSAL, "title_pl": f"{marker} praktyka", "partner-1-name": f"{marker} fundacja",
                       "town": marker}, files={"attachment-0-file": ("x.pdf", PDF, "application/pdf")})
    assert queued(queue)
    url = server.url
    ask = requests.get(url + "sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "
                                                        f"'{marker}')) }}"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert ask.status_code == 200 and ask.json()["results"]["bindings"] == []
    for path in ("sitemap.xml", "catalog", "catalog.ttl", "browse", "browse?type=organisation",
                 "submit/organisations?q=" + marker[:8]):
        answer = requests.get(url + path, timeout=30)
        assert answer.status_code == 200 and marker not in answer.text, path
    assert requests.get(url + "search", params={"q": marker, "format": "json"}, timeout=30).json()["total"] == 0
    for dump in (out / "dumps").iterdir():
        raw = dump.read_bytes()
        assert marker.encode() not in (gzip.decompress(raw) if dump.suffix == ".gz" else raw), dump.name
        served = requests.get(url + "dumps/" + dump.name, timeout=30)
        assert served.status_code == 200 and marker.encode() not in served.content
