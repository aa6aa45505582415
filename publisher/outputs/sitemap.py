"""Sitemaps (sitemaps.org 0.9): one urlset, or an index of urlsets of at most `limit` URLs each when the
site is bigger. Written by `bdp build` with the build's public prefix; the server rebases them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _urlset(public: str, entries: Sequence[tuple[str, str | None]]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NS}">']
    for path, lastmod in entries:
        mod = f"<lastmod>{escape(lastmod[:10])}</lastmod>" if lastmod else ""
        lines.append(f"<url><loc>{escape(public + path)}</loc>{mod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines)


def _index(public: str, count: int, lastmod: str | None) -> str:
    mod = f"<lastmod>{escape(lastmod[:10])}</lastmod>" if lastmod else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{NS}">']
    lines += [f"<sitemap><loc>{escape(public)}sitemap-{n}.xml</loc>{mod}</sitemap>" for n in range(1, count + 1)]
    lines.append("</sitemapindex>\n")
    return "\n".join(lines)


def sitemap_name(n: int) -> str:
    return "sitemap.xml" if n == 0 else f"sitemap-{n}.xml"


def write_sitemaps(out: Path, public: str, entries: Sequence[tuple[str, str | None]], limit: int) -> int:
    """Write OUT/sitemap.xml (and OUT/sitemap-N.xml); returns N, 0 when one urlset holds every URL."""
    if len(entries) <= limit:
        (out / sitemap_name(0)).write_text(_urlset(public, entries), encoding="utf-8")
        return 0
    chunks = [entries[i:i + limit] for i in range(0, len(entries), limit)]
    for n, chunk in enumerate(chunks, 1):
        (out / sitemap_name(n)).write_text(_urlset(public, chunk), encoding="utf-8")
    latest = max((m for _, m in entries if m), default=None)
    (out / sitemap_name(0)).write_text(_index(public, len(chunks), latest), encoding="utf-8")
    return len(chunks)
