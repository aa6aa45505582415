"""The submission form against hostile and careless clients, over real HTTP (a real server on 127.0.0.1,
the real build of the bundled data): off by default, CSRF, size limit, rate limit, file types by content,
honeypot, path traversal; and what lands in the queue."""

from __future__ import annotations

import pytest
import requests
import yaml

from publisher.config import load_settings
from publisher.errors import SettingsError
from publisher.web import create_app
from tests.intake_support import EXE, PDF, FormClient, errors_at, intake_app, queued

VALID = {"title_pl": "Wspólna świetlica w Gniewie", "summary_pl": "Gmina i stowarzyszenie prowadzą świetlicę.",
         "town": "Gniew", "voivodeship": "pomorskie", "postal_code": "83-140", "themes": ["uslugi-spoleczne"],
         "partner-0-name": "Fundacja Pokolenia", "partner-0-role": "lead",
         "partner-1-name": "Stowarzyszenie Gniewskie", "partner-1-sector": "ngo"}


@pytest.fixture
def site(built, settings, tmp_path, live_server):
    queue = tmp_path / "queue"
    server = live_server(intake_app(settings, built, queue))
    return server.url, queue


def test_form_is_off_by_default(built, settings, live_server):
    server = live_server(create_app(settings.with_(out=built)))
    assert requests.get(f"{server.url}submit", timeout=30).status_code == 404
    assert requests.post(f"{server.url}submit", data={"title_pl": "x"}, timeout=30).status_code == 404
    assert 'href="/submit' not in requests.get(server.url, timeout=30).text        # no link to it either


def test_header_links_to_the_form_when_it_is_on(site):
    url, _ = site
    assert '<a href="/submit">Zgłoś praktykę</a>' in requests.get(url, timeout=30).text
    assert '<a href="/submit?lang=en">Propose a practice</a>' in requests.get(url + "?lang=en", timeout=30).text


def test_queue_may_not_lie_in_data_or_out(tmp_path):
    with pytest.raises(SettingsError, match="outside the out directory"):
        load_settings({"out": tmp_path / "out", "intake": str(tmp_path / "out" / "queue")}, environ={})
    with pytest.raises(SettingsError, match="outside the data directory"):
        load_settings({"data": tmp_path, "intake": str(tmp_path / "q")}, environ={})


def test_valid_proposal_lands_in_queue_with_303(site):
    url, queue = site
    client = FormClient(url)
    assert client.open().status_code == 200
    answer = client.send({**VALID, "attachment-0-title": "Opis"},
                         files={"attachment-0-file": ("opis.pdf", PDF, "application/pdf")})
    assert answer.status_code == 303, answer.text[:500]
    [folder] = queued(queue)
    assert answer.headers["Location"].split("?")[0].endswith(f"/submit/received/{folder.name}")
    page = client.http.get(url + answer.headers["Location"].lstrip("/"), timeout=30)
    assert folder.name in page.text and "Gniew" not in page.text     # the number only, nothing of it
    proposal = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))
    assert proposal["status"] == "pending"
    practice = proposal["practice"]
    assert practice["title"] == {"pl": VALID["title_pl"]}
    assert practice["partners"] == [{"organisation": "fundacja-pokolenia", "role": "lead"},
                                    {"organisation": "stowarzyszenie-gniewskie", "role": "partner"}]
    assert proposal["organisations"] == [{"key": "stowarzyszenie-gniewskie",
                                          "name": {"pl": "Stowarzyszenie Gniewskie"}, "sector": "ngo"}]
    [attachment] = practice["attachments"]
    assert attachment["media_type"] == "application/pdf"
    assert (folder / attachment["file"]).read_bytes() == PDF
    assert "opis" not in attachment["file"]                          # the client's file name is not used


def test_post_without_token_is_refused(site):
    url, queue = site
    client = FormClient(url)
    client.open()
    assert client.send(VALID, token=False).status_code == 400
    assert client.send({**VALID, "csrf_token": "forged"}, token=False).status_code == 400
    stranger = requests.post(f"{url}submit", data={**VALID, "csrf_token": client.token}, timeout=30)
    assert stranger.status_code == 400                  # a token without its session (another site's form)
    assert queued(queue) == []


def test_three_megabytes_is_413(site):
    url, queue = site
    client = FormClient(url)
    client.open()
    answer = client.send(VALID, files={"attachment-0-file": ("a.pdf", PDF + b"0" * 3_000_000, "application/pdf")})
    assert answer.status_code == 413
    assert client.send({**VALID, "description_pl": "x" * 3_000_000}).status_code == 413
    assert queued(queue) == []


def test_rate_limit_per_address(site, settings):
    """Five times the limit (10 a minute by default) of proposals from one address within a minute: the
    first ones pass, every one after the limit gets 429 with Retry-After (40 refused in a row show the
    limit holds as well as 490 did, in a tenth of the requests)."""
    url, queue = site
    limit = int(settings.intake_rate_limit.split()[0])
    sent = 5 * limit
    client = FormClient(url)
    client.open()
    statuses = [client.send({**VALID, "title_pl": f"Praktyka {n}"}).status_code for n in range(sent)]
    assert statuses[:limit] == [303] * limit
    assert statuses[limit:] == [429] * (sent - limit)
    assert len(queued(queue)) == limit
    assert client.send(VALID).headers.get("Retry-After")
    assert client.open().status_code == 200             # reading the form is not limited


def test_exe_renamed_pdf_is_refused(site):
    url, queue = site
    client = FormClient(url, "en")
    client.open()
    answer = client.send({**VALID, "attachment-0-title": "Report"},
                         files={"attachment-0-file": ("report.pdf", EXE, "application/pdf")})
    assert answer.status_code == 422
    assert "its content was checked, not its name" in errors_at(answer.text)["attachment-0-file"]
    assert queued(queue) == [] and not any((queue).rglob("*.pdf"))


def test_honeypot_filled_is_refused(site):
    url, queue = site
    client = FormClient(url)
    client.open()
    assert client.send({**VALID, "fax": "+48 58 000 00 00"}).status_code == 400
    assert queued(queue) == []


def test_path_traversal_is_refused_everywhere(site, tmp_path):
    url, queue = site
    client = FormClient(url, "en")
    client.open()
    evil = "../../../../tmp/evil"
    answer = client.send({**VALID, "voivodeship": evil, "themes": [evil], "unit_type": evil,
                          "partner-0-role": evil, "partner-1-sector": evil})
    assert answer.status_code == 422
    shown = errors_at(answer.text)
    for field in ("voivodeship", "themes", "unit_type", "partners", "partner-1-sector"):
        assert "vocabulary" in shown[field], field
    answer = client.send({**VALID, "title_pl": evil, "partner-1-name": "../../etc/passwd",
                          "attachment-0-title": "x"},
                         files={"attachment-0-file": ("../../../../tmp/evil.pdf", PDF, "application/pdf")})
    assert answer.status_code == 303
    [folder] = queued(queue)
    proposal = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))
    assert proposal["practice"]["key"] == "tmp-evil"
    assert proposal["organisations"][0]["key"] == "etc-passwd"
    assert [p.name for p in (folder / "attachments").iterdir()] == [f"{folder.name}-1.pdf"]
    for path in ("submit/received/..%2F..%2Fetc%2Fpasswd", "submit/received/../../etc/passwd",
                 f"submit/received/{folder.name}%2F..%2F..", "submit/received/20261206-zzzzzzzz"):
        assert requests.get(url + path, timeout=30).status_code == 404, path


def test_queue_is_never_served(site):
    url, queue = site
    client = FormClient(url)
    client.open()
    assert client.send(VALID).status_code == 303
    [folder] = queued(queue)
    for path in (f"{folder.name}/proposal.yaml", f"queue/{folder.name}/proposal.yaml",
                 f"static/../../{queue.name}/{folder.name}/proposal.yaml", f"attachments/{folder.name}-1.pdf"):
        answer = requests.get(url + path, timeout=30)
        assert answer.status_code == 404 and "Gniew" not in answer.text, path


def test_suggestions_come_from_the_store(site):
    url, _ = site
    names = requests.get(f"{url}submit/organisations", params={"q": "pokol"}, timeout=30).json()
    assert names == ["Fundacja Pokolenia"]
    names = requests.get(f"{url}submit/organisations", params={"q": "pokol", "lang": "en"}, timeout=30).json()
    assert names == ["Pokolenia Foundation"]
    names = requests.get(f"{url}submit/organisations", params={"q": "SPOLDZ"}, timeout=30).json()
    assert names == ["Bank Spółdzielczy w Tczewie"]                  # any case, Polish letters or not
    assert requests.get(f"{url}submit/organisations", params={"q": "\" } DROP ALL"}, timeout=30).json() == []
