"""Sitemaps (sitemaps.org 0.9): one urlset, or an index of urlsets of at most `limit` URLs each when the
site is bigger. Written by `bdp build` with the build's public prefix; the server rebases them.

Each URL is one line (`url_line`), so an incremental build can patch the previous build's lines
(table_patches.py) and write them with `write_lines`, the same bytes as `write_sitemaps`; a file whose
lines are those of the previous build's file of the same name is linked to it, not written."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
URLSET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'.encode()
URLSET_TAIL = b"</urlset>\n"


def url_line(public: str, path: str, lastmod: str | None) -> bytes:
    """One URL of a urlset, as the file holds it (without its newline)."""
    mod = f"<lastmod>{escape(lastmod[:10])}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(public + path)}</loc>{mod}</url>".encode()


def _urlset(lines: Sequence[bytes]) -> bytes:
    return URLSET_HEAD + b"".join(line + b"\n" for line in lines) + URLSET_TAIL


def _index(public: str, count: int, lastmod: str | None) -> str:
    mod = f"<lastmod>{escape(lastmod[:10])}</lastmod>" if lastmod else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{NS}">']
    lines += [f"<sitemap><loc>{escape(public)}sitemap-{n}.xml</loc>{mod}</sitemap>" for n in range(1, count + 1)]
    lines.append("</sitemapindex>\n")
    return "\n".join(lines)


def sitemap_name(n: int) -> str:
    return "sitemap.xml" if n == 0 else f"sitemap-{n}.xml"


def write_lines(out: Path, public: str, lines: Sequence[bytes], latest: str | None, limit: int,
                previous: tuple[Path, Sequence[Sequence[bytes]]] | None = None) -> int:
    """Write the URL `lines` as OUT/sitemap.xml (and OUT/sitemap-N.xml, with `latest` the index's lastmod);
    returns N, 0 when one urlset holds every URL. `previous`: a build's directory and the lines of each of
    its sitemap-N.xml files, linked where the new file has the same lines."""
    if len(lines) <= limit:
        (out / sitemap_name(0)).write_bytes(_urlset(lines))
        return 0
    chunks = [lines[i:i + limit] for i in range(0, len(lines), limit)]
    before, files = previous or (out, [])
    for n, chunk in enumerate(chunks, 1):
        if n <= len(files) and files[n - 1] == chunk:
            os.link(before / sitemap_name(n), out / sitemap_name(n))
        else:
            (out / sitemap_name(n)).write_bytes(_urlset(chunk))
    (out / sitemap_name(0)).write_text(_index(public, len(chunks), latest), encoding="utf-8")
    return len(chunks)


def write_sitemaps(out: Path, public: str, entries: Sequence[tuple[str, str | None]], limit: int) -> int:
    """Write OUT/sitemap.xml (and OUT/sitemap-N.xml); returns N, 0 when one urlset holds every URL."""
    latest = max((m for _, m in entries if m), default=None)
    return write_lines(out, public, [url_line(public, path, m) for path, m in entries], latest, limit)
