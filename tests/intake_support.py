"""What the intake tests share: an app with the form switched on over a built OUT, a client that holds
the form's session and token, and proposals to send."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from publisher.web import create_app

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 400


def intake_app(settings, out: Path, queue: Path, **more):
    return create_app(settings.with_(out=out, intake=str(queue), tile_url="", **more))


class FormClient:
    """A person's browser session without the browser: GET /submit for the cookie and token, then POST."""

    def __init__(self, url: str, lang: str = "pl") -> None:
        self.url, self.lang = url, lang
        self.http = requests.Session()
        self.token = ""

    def open(self) -> requests.Response:
        page = self.http.get(f"{self.url}submit", params={"lang": self.lang}, timeout=30)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        self.token = found.group(1) if found else ""
        return page

    def send(self, fields: dict, files: dict | None = None, token: bool = True, **kw) -> requests.Response:
        data = {**fields, **({"csrf_token": self.token} if token else {})}
        return self.http.post(f"{self.url}submit", params={"lang": self.lang}, data=data, files=files,
                              allow_redirects=False, timeout=60, **kw)


def queued(queue: Path) -> list[Path]:
    return sorted(p for p in queue.iterdir() if not p.name.startswith(".")) if queue.is_dir() else []


def errors_at(html: str) -> dict[str, str]:
    """field name -> the message(s) shown at it."""
    return {m.group(1): re.sub(r"<[^>]+>", " ", m.group(2)).strip()
            for m in re.finditer(r'<div class="field-error" id="err-([^"]+)">(.*?)</div>', html, re.S)}
