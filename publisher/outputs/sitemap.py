"""Sitemaps (sitemaps.org 0.9): one urlset, or an index of urlsets of at most `limit` URLs each when the
site is bigger. Written by `bdp build` with the build's public prefix; the server rebases them.

Each URL is one line (`url_line`), so an incremental build can patch the previous build's lines
(table_patches.py) and write them with `write_lines`, the same bytes as `write_sitemaps`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
URLSET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NS}">')
URLSET_TAIL = "</urlset>\n"


def url_line(public: str, path: str, lastmod: str | None) -> str:
    mod = f"<lastmod>{escape(lastmod[:10])}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(public + path)}</loc>{mod}</url>"


def _urlset(lines: Sequence[str]) -> str:
    return "\n".join([*URLSET_HEAD, *lines, URLSET_TAIL])


def _index(public: str, count: int, lastmod: str | None) -> str:
    mod = f"<lastmod>{escape(lastmod[:10])}</lastmod>" if lastmod else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{NS}">']
    lines += [f"<sitemap><loc>{escape(public)}sitemap-{n}.xml</loc>{mod}</sitemap>" for n in range(1, count + 1)]
    lines.append("</sitemapindex>\n")
    return "\n".join(lines)


def sitemap_name(n: int) -> str:
    return "sitemap.xml" if n == 0 else f"sitemap-{n}.xml"


def write_lines(out: Path, public: str, lines: Sequence[str], latest: str | None, limit: int) -> int:
    """Write the URL `lines` as OUT/sitemap.xml (and OUT/sitemap-N.xml, with `latest` the index's lastmod);
    returns N, 0 when one urlset holds every URL."""
    if len(lines) <= limit:
        (out / sitemap_name(0)).write_text(_urlset(lines), encoding="utf-8")
        return 0
    chunks = [lines[i:i + limit] for i in range(0, len(lines), limit)]
    for n, chunk in enumerate(chunks, 1):
        (out / sitemap_name(n)).write_text(_urlset(chunk), encoding="utf-8")
    (out / sitemap_name(0)).write_text(_index(public, len(chunks), latest), encoding="utf-8")
    return len(chunks)


def write_sitemaps(out: Path, public: str, entries: Sequence[tuple[str, str | None]], limit: int) -> int:
    """Write OUT/sitemap.xml (and OUT/sitemap-N.xml); returns N, 0 when one urlset holds every URL."""
    latest = max((m for _, m in entries if m), default=None)
    return write_lines(out, public, [url_line(public, path, m) for path, m in entries], latest, limit)
