"""The server time to validate one proposal sent through /submit (issue 16: target <= 50 ms).

    .venv/bin/python -m bench.bench_intake [--out OUT] [--requests 200]

Serves OUT (default: the bundled data/ built into a temporary directory; e.g. /work/out100k for the
100k-practice store) with the form switched on (a temporary queue, no rate limit) on a real HTTP server on
127.0.0.1, then POSTs --requests proposals over one keep-alive connection: a valid one (a practice, an
existing partner found by name, a new organisation, a contact, a PDF attachment: it lands in the queue)
and one with eight broken fields (every problem traced back to its field). Before that it times the
partner suggestions a person gets while typing (`/submit/organisations?q=`), the first one included. The figure is the server's own
`Server-Timing: validate` (form -> records -> the shapes -> the problems at their fields, attachment sniffed
and checked); the whole request as the client sees it is printed beside it. Median, p90 and max after
--warmup requests."""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

from publisher.config import load_settings
from publisher.pipeline.build import build
from publisher.web import create_app

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
VALID = {
    "title_pl": "Spółdzielnia socjalna w Gniewie", "summary_pl": "Gmina i fundacja założyły spółdzielnię.",
    "description_pl": "Opis praktyki.\n\nDrugi akapit.", "unit_type": "gmina-miejsko-wiejska",
    "themes": ["uslugi-spoleczne", "dialog-spoleczny"], "funding": ["fio"], "town": "Gniew",
    "voivodeship": "pomorskie", "postal_code": "83-140", "street": "Plac Grunwaldzki 1", "population": "15500",
    "lat": "53.8383", "lon": "18.8236", "websites": "https://gniew.example.org",
    "partner-0-name": "Fundacja Pokolenia", "partner-0-role": "lead",
    "partner-1-name": "Spółdzielnia Socjalna Gniew", "partner-1-sector": "ngo", "partner-1-krs": "0000123456",
    "contact-0-name": "Anna Nowak", "contact-0-email": "anna@example.org", "contact-0-publish": "yes",
    "attachment-0-title": "Statut",
}
BROKEN = {**VALID, "title_pl": "", "postal_code": "83140", "population": "-5", "lat": "80",
          "websites": "ftp://example.org", "partner-1-sector": "", "partner-1-nip": "1234567890",
          "contact-0-email": "nie-mail", "attachment-0-title": ""}


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered):6.1f} ms, p90 {p90:6.1f} ms, max {ordered[-1]:6.1f} ms"


def _run(url: str, fields: dict, files: bool, n: int, warmup: int, expect: int) -> tuple[list[float], list[float]]:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(url + "submit", timeout=30).text).group(1)
    server, client = [], []
    for i in range(warmup + n):
        started = time.perf_counter()
        answer = http.post(url + "submit", data={**fields, "csrf_token": token}, allow_redirects=False,
                           files={"attachment-0-file": ("a.pdf", PDF, "application/pdf")} if files else None,
                           timeout=60)
        wall = (time.perf_counter() - started) * 1000
        assert answer.status_code == expect, (answer.status_code, answer.text[:300])
        if i >= warmup:
            server.append(float(answer.headers["Server-Timing"].split("dur=")[1]))
            client.append(wall)
    return server, client


def _existing_partner(url: str) -> str:
    """A published organisation's name, as a person picks it from the suggestions."""
    for text in ("pokolenia", "fundacja", "gmina", "stowarzyszenie"):
        names = requests.get(url + "submit/organisations", params={"q": text}, timeout=30).json()
        if names:
            return names[0]
    raise SystemExit("no organisation in this build to name as a partner")


def _suggestions(url: str, n: int) -> None:
    """The partner suggestions as a person types (`/submit/organisations?q=`), each prefix of a few names."""
    http, walls = requests.Session(), []
    words = ["fundacja rozwoju", "gmina", "stowarzyszenie", "spoldzielczy", "zz"]
    while len(walls) < n:
        for word in words:
            for end in range(2, len(word) + 1):
                started = time.perf_counter()
                assert http.get(url + "submit/organisations", params={"q": word[:end]}, timeout=30).ok
                walls.append((time.perf_counter() - started) * 1000)
    print(f"{'suggestions (keystrokes)':<24} whole request: {_stats(walls[:n])}")


def main(out: Path | None, n: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bdp-bench-intake-") as tmp:
        settings = load_settings({}, environ={})
        if out is None:
            out = Path(tmp) / "out"
            build(settings, ROOT / "data", out, workers=1)
        app = create_app(settings.with_(out=out, intake=str(Path(tmp) / "queue"),
                                        intake_rate_limit="1000000 per minute"))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}/"
        try:
            started = time.perf_counter()
            partner = _existing_partner(url)
            print(f"first partner suggestion after start (reads every organisation's names): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
            _suggestions(url, n)
            print(f"store: {out}; {n} proposals each after {warmup} warm-up; existing partner: {partner!r}")
            for name, fields, files, expect in (("valid (303, queued)", VALID, True, 303),
                                                ("8 broken fields (422)", BROKEN, False, 422)):
                times, walls = _run(url, {**fields, "partner-0-name": partner}, files, n, warmup, expect)
                print(f"{name:<24} server validate: {_stats(times)} | whole request: {_stats(walls)}")
        finally:
            server.shutdown()
            thread.join(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="a finished build to serve [bundled data]")
    parser.add_argument("--requests", type=int, default=200, help="proposals of each kind [%(default)s]")
    parser.add_argument("--warmup", type=int, default=10, help="requests not counted [%(default)s]")
    args = parser.parse_args()
    main(args.out, args.requests, args.warmup)
