"""Attachments and publications through the real build: checked (type, content, size, place), copied
into OUT/attachments/, described in RDF, served with their media type, listed for the practice page."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from flask import render_template

from publisher.errors import SourceError
from publisher.pipeline.build import BuildFailed, build
from publisher.read.documents import practice_documents
from publisher.store.embedded import EmbeddedStore
from publisher.web import create_app
from tests.conftest import DATA, invoke_bdp, tree_digest

SEED_KEY = "trzy-filary-bank-partnerow-lokalnych"
SEED = f"https://w3id.org/bdp/id/practice/{SEED_KEY}"
SEED_FILE = DATA / "attachments" / "trzy-filary-opis-projektu.txt"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def practice_path(data: Path) -> Path:
    return data / "practices" / f"{SEED_KEY}.yaml"


def add_attachment(data: Path, entry: dict, name: str | None = None, content: bytes = b"") -> None:
    if name:
        (data / "attachments" / name).write_bytes(content)
    path = practice_path(data)
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["attachments"] = [*record.get("attachments", []), entry]
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_seed_attachment_is_published(built):
    copied = built / "attachments" / SEED_FILE.name
    assert copied.read_bytes() == SEED_FILE.read_bytes()
    store = ox.Store.read_only(str(built / "store"))
    [row] = list(store.query(f"""
        PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        SELECT ?doc ?format ?size ?file ?title WHERE {{
          <{SEED}> dct:hasPart ?doc . ?doc a foaf:Document ; dct:format ?format ; dcat:byteSize ?size ;
            dcat:downloadURL ?file ; dct:title ?title . FILTER (lang(?title) = "pl") }}"""))
    assert row["doc"].value == f"https://w3id.org/bdp/id/attachment/{SEED_KEY}--1"
    assert row["format"].value == "http://www.iana.org/assignments/media-types/text/plain"
    assert int(row["size"].value) == SEED_FILE.stat().st_size
    assert row["file"].value == "https://w3id.org/bdp/attachments/trzy-filary-opis-projektu.txt"
    assert row["title"].value.startswith("Trzy Filary")


def test_attachments_are_served_with_their_media_type(built):
    client = create_app(out=built).test_client()
    with client.get(f"/attachments/{SEED_FILE.name}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == SEED_FILE.read_bytes()
    for bad in ("/attachments/nothing.pdf", "/attachments/..%2Fbuild.json", "/attachments/../build.json",
                "/attachments/x.exe", "/attachments/store"):
        response = client.get(bad, headers={"Accept": "application/json"})
        assert response.status_code == 404, bad
        assert response.get_json()["error"]["status"] == 404


def test_the_practice_page_snippet_lists_attachments(built):
    app = create_app(out=built)
    with app.test_request_context("/doc/practice/x"):
        from flask import g

        g.lang = "pl"
        html = render_template("attachments_list.html", practice_iri=SEED)
    assert "Załączniki" in html
    assert 'href="http://localhost/attachments/trzy-filary-opis-projektu.txt"' in html
    assert 'type="text/plain"' in html and "TXT" in html and "1.6 kB" in html


@pytest.mark.parametrize("entry, name, content, message", [
    ({"title": {"pl": "Program"}, "file": "attachments/tool.exe"}, "tool.exe", b"MZ\x90\x00",
     "files of type '.exe' are not accepted"),
    ({"title": {"pl": "Skrypt"}, "file": "attachments/page.svg", "media_type": "image/svg+xml"}, "page.svg",
     b"<svg/>", "'image/svg+xml' is not accepted"),
    ({"title": {"pl": "Udaje PDF"}, "file": "attachments/fake.pdf"}, "fake.pdf", b"<html>hello</html>",
     "is not a application/pdf file"),
    ({"title": {"pl": "Zły typ"}, "file": "attachments/real.pdf", "media_type": "image/png"}, "real.pdf", PDF,
     "does not match the file"),
    ({"title": {"pl": "Poza katalogiem"}, "file": "practices/trzy-filary-bank-partnerow-lokalnych.yaml"},
     None, b"", "must be a path under the data directory's attachments/ folder"),
    ({"title": {"pl": "Ucieczka"}, "file": "attachments/../../etc/passwd.txt"}, None, b"",
     "must be a path under"),
    ({"title": {"pl": "Brak pliku"}, "file": "attachments/missing.pdf"}, None, b"", "no such file"),
    ({"title": {"pl": "Adres"}, "url": "https://example.org/x.exe"}, None, b"", "give the media type"),
    ({"title": {"pl": "Adres"}, "url": "ftp://example.org/x.pdf"}, None, b"", "is not an http(s) URL"),
    ({"file": "attachments/real.pdf"}, "real.pdf", PDF, "an attachment needs a title"),
    ({"title": {"pl": "Nic"}}, None, b"", "needs a file"),
])
def test_refused_attachments_fail_the_build_and_leave_out_untouched(data_copy, tmp_path, settings, built,
                                                                     entry, name, content, message):
    out = tmp_path / "out"
    out.mkdir()
    (out / "marker").write_text("previous build")
    before = tree_digest(out)
    add_attachment(data_copy, entry, name, content)
    with pytest.raises(SourceError) as caught:
        build(settings, data_copy, out, workers=1)
    text = str(caught.value)
    assert message in text
    assert text.startswith(str(practice_path(data_copy)))
    assert f"practice {SEED_KEY}" in text and "attachments[1]" in text
    assert caught.value.line is not None
    assert tree_digest(out) == before


def test_size_limit_is_a_setting(data_copy, tmp_path, settings):
    with pytest.raises(SourceError, match="more than the limit of 1000 .attachment_max_bytes."):
        build(settings.with_(attachment_max_bytes=1000), data_copy, tmp_path / "out", workers=1)


def test_the_command_line_names_the_refused_file(data_copy, tmp_path):
    add_attachment(data_copy, {"title": {"pl": "Program"}, "file": "attachments/tool.exe"}, "tool.exe", b"MZ")
    result = invoke_bdp("build", "--data", str(data_copy), "--out", str(tmp_path / "out"), "--workers", "1")
    assert result.returncode == 1
    assert "attachments[1].file" in result.stderr and "tool.exe" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def write_publication(data: Path, key: str, record: dict) -> Path:
    folder = data / "publications"
    folder.mkdir(exist_ok=True)
    path = folder / f"{key}.yaml"
    path.write_text(yaml.safe_dump({"key": key, **record}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_publications_are_records_linked_to_practices(data_copy, tmp_path, settings):
    (data_copy / "attachments" / "poradnik.pdf").write_bytes(PDF)
    write_publication(data_copy, "poradnik-partnerstwa", {
        "title": {"pl": "Poradnik partnerstwa lokalnego", "en": "A guide to local partnership"},
        "description": {"pl": "Jak zbudować partnerstwo trzech sektorów."}, "year": 2012,
        "file": "attachments/poradnik.pdf", "practices": [SEED_KEY]})
    write_publication(data_copy, "raport-online", {
        "title": {"pl": "Raport w sieci"}, "url": "https://example.org/raport.pdf", "practices": [SEED_KEY]})
    out = tmp_path / "out"
    build(settings, data_copy, out, workers=1)
    assert (out / "attachments" / "poradnik.pdf").read_bytes() == PDF
    store = EmbeddedStore(out / "store")
    try:
        docs = practice_documents(store, SEED)
    finally:
        store.close()
    assert [(d.kind, d.iri.rsplit("/", 1)[-1]) for d in docs] == [
        ("attachment", f"{SEED_KEY}--1"), ("publication", "poradnik-partnerstwa"), ("publication", "raport-online")]
    guide = next(d for d in docs if d.iri.endswith("poradnik-partnerstwa"))
    assert guide.media_type == "application/pdf" and guide.size == len(PDF) and guide.year == "2012"
    assert guide.url == "https://w3id.org/bdp/attachments/poradnik.pdf"
    online = next(d for d in docs if d.iri.endswith("raport-online"))
    assert online.url == "https://example.org/raport.pdf" and online.size is None


def test_a_publication_must_name_existing_practices(data_copy, tmp_path, settings):
    path = write_publication(data_copy, "raport", {"title": {"pl": "Raport"}, "practices": ["nie-ma-takiej"]})
    with pytest.raises(SourceError) as caught:
        build(settings, data_copy, tmp_path / "out", workers=1)
    assert str(caught.value).startswith(str(path))
    assert "practices[0]" in str(caught.value) and "no practice with key 'nie-ma-takiej'" in str(caught.value)


def test_the_shapes_check_publications(data_copy, tmp_path, settings):
    write_publication(data_copy, "raport", {"title": {"en": "Only English"}, "year": "dwa tysiące"})
    with pytest.raises(BuildFailed) as caught:
        build(settings, data_copy, tmp_path / "out", workers=1)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "publication raport" in text
    assert "dct:issued" in text and "Polish title" in text


def test_validate_checks_attachments_too(data_copy):
    add_attachment(data_copy, {"title": {"pl": "Program"}, "file": "attachments/tool.exe"}, "tool.exe", b"MZ")
    result = invoke_bdp("validate", "--data", str(data_copy))
    assert result.returncode == 1
    assert "attachments[1].file" in result.stderr and "not accepted" in result.stderr
