"""Server configurations for the static export (publisher/web/export.py): nginx and Apache httpd answer
reads as `bdp serve` does — 303 from /id/ to /doc/, content negotiation with Vary, suffix URLs and
?format=, ?page= and ?lang=, 404/406/400 in the one error shape, CORS, ETag and Last-Modified — from files.

nginx has no Accept parser, so the negotiation is compiled from the one media-type table
(publisher.formats) into `map` blocks: the common Accept headers are looked up whole (computed with
`negotiate`, so they agree by construction); any other header goes through regular expressions that take
q-values level by level (1, 0.99, ..., 0.01): at each level the earliest offered type in the header wins,
then `type/*`, then `*/*` (the first offered format the header does not name). That is `negotiate` except
where two offered types differ only in the third decimal of q, or an alias outranks its own media type
(docs/deploy.md). Apache httpd negotiates itself (MultiViews, RFC q-values); source qualities that differ
by thousandths break ties in the order of the table."""

from __future__ import annotations

import re

from publisher.formats import (
    BY_NAME,
    DOCUMENT_FORMATS,
    FORMATS,
    GRAPH_FORMATS,
    QUAD_FORMATS,
    Format,
    negotiate,
)
from publisher.web.catalog import CATALOG_FORMATS
from publisher.web.export import DYNAMIC, ERRORS, HTML_LANGS, NOT_STATIC

# Accept headers looked up whole: what browsers, curl, rdflib, Comunica and LDP clients send.
COMMON_ACCEPTS = (
    "*/*", "text/*", "application/*",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
    "application/rdf+xml, */*;q=0.1", "text/turtle, */*;q=0.1", "application/ld+json, */*;q=0.1",
    "application/n-triples, */*;q=0.1", "text/turtle,application/rdf+xml;q=0.9,*/*;q=0.1",
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples;q=0.8,"
    "text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,image/svg+xml;q=0.3,"
    "text/xml;q=0.3,text/html;q=0.2,application/xhtml+xml;q=0.18,application/json;q=0.135,"
    "text/shaclc;q=0.1,text/shaclc-ext;q=0.05",
    "application/json, text/plain, */*",
)
ERROR_FORMATS = (BY_NAME["html"], BY_NAME["json"])      # as publisher/web/errors.py offers them
NONQ = r"(?:\s*;\s*(?!q=)[^;,]*)*"       # media-type parameters other than q


def _types(fmt: Format) -> list[str]:
    return [fmt.media_type, *fmt.aliases]


def _alternation(types: list[str]) -> str:
    return "(?:" + "|".join(re.escape(t) for t in sorted(set(types), key=len, reverse=True)) + ")"


def _level(n: int) -> str:
    """A regex for 'q is at level n' (100: 1 or none; 1..99: 0.nn, a third decimal ignored)."""
    if n == 100:
        return NONQ + r"(?:\s*;\s*q=1(?:\.0{0,3})?" + NONQ + ")?"
    tens, units = divmod(n, 10)
    digits = f"{tens}(?:0\\d?)?" if units == 0 else f"{tens}{units}\\d?"
    return NONQ + r"\s*;\s*q=0?\." + digits + NONQ


def _level_rows(offered: tuple[Format, ...], n: int) -> list[str]:
    """Regex entries choosing among `offered` at q level n: the earliest offered type at that level, then a
    `type/*`, then `*/*` (each for the first offered format the header does not name)."""
    every = _alternation([t for f in offered for t in _types(f)])
    q, end = _level(n), r"\s*(?:,|$)"
    rows = [f'    "~*^(?:[^,]*,)*?\\s*({every}){q}{end}" "$1";']
    for major in sorted({f.media_type.split("/")[0] for f in offered}):
        for fmt in (f for f in offered if f.media_type.startswith(major + "/")):
            rows.append(f'    "~*^(?!.*{_alternation(_types(fmt))})(?=(?:.*,)?\\s*{major}/\\*{q}{end})" '
                        f'"{fmt.media_type}";')
    for fmt in offered:
        rows.append(f'    "~*^(?!.*{_alternation(_types(fmt))})(?=(?:.*,)?\\s*\\*/\\*{q}{end})" "{fmt.media_type}";')
    return rows


def _map(source: str, name: str, rows: list[str]) -> str:
    return f"map {source} {name} {{\n" + "\n".join(dict.fromkeys(rows)) + "\n}\n"


def accept_map(offered: tuple[Format, ...] = DOCUMENT_FORMATS, name: str = "$bdp_accept_type") -> str:
    """Maps from the Accept header to the media type of the chosen format ("" when none: 406).

    A whole-header lookup first; otherwise the highest q level any offered type or wildcard has in the
    header is found in two steps (tenths, then hundredths: at most 21 short scans), and only that level's
    few entries are tried; if none of them chooses (every candidate of a wildcard is named at a lower q),
    all levels are tried in order (`..._all`)."""
    rows = [f'    default {name}_q;', f'    "" "{offered[0].media_type}";']
    for accept in COMMON_ACCEPTS + tuple(t for f in offered for t in _types(f)):
        chosen = negotiate(accept, offered)
        rows.append(f'    "{accept}" "{chosen.media_type if chosen else ""}";')
    maps = [_map("$http_accept", name, rows)]
    wild = sorted({f.media_type.split("/")[0] + "/*" for f in offered}) + ["*/*"]
    any_range = r"(?:^|,)\\s*" + _alternation([t for f in offered for t in _types(f)] + wild)
    tenths = [f'    "~*{any_range}{_level(100)}\\s*(?:,|$)" "100";']
    tenths += [f'    "~*{any_range}{NONQ}\\s*;\\s*q=0?\\.{d}" "{d}";' for d in range(9, -1, -1)]
    maps.append(_map("$http_accept", f"{name}_t", ['    default "";', *tenths]))
    for d in range(10):
        units = [f'    "~*{any_range}{NONQ}\\s*;\\s*q=0?\\.{d}{u}" "{d}{u}";' for u in range(9, 0, -1)]
        units.append(f'    "~*{any_range}{NONQ}\\s*;\\s*q=0?\\.{d}(?:0|(?![0-9]))" "{d}0";')
        maps.append(_map("$http_accept", f"{name}_u{d}", ['    default "";', *units]))
    maps.append(_map(f"{name}_t", f"{name}_level", ['    default "";', '    "100" "100";',
                                                     *(f'    "{d}" {name}_u{d};' for d in range(10))]))
    levels = [f'    "{n:02d}" {name}_l{n};' if n < 100 else f'    "100" {name}_l100;' for n in range(100, 0, -1)]
    maps.append(_map(f"{name}_level", f"{name}_q", ['    default "";', *levels]))
    for n in range(100, 0, -1):
        maps.append(_map("$http_accept", f"{name}_l{n}", [f"    default {name}_all;", *_level_rows(offered, n)]))
    every_level = [row for n in range(100, 0, -1) for row in _level_rows(offered, n)]
    maps.append(_map("$http_accept", f"{name}_all", ['    default "";', *every_level]))
    return "\n".join(maps)


def _type_map(offered: tuple[Format, ...], source: str, name: str) -> str:
    """Media type (or alias, any case) -> format suffix."""
    rows = ['    default "";'] + [f'    "~*^{re.escape(t)}$" "{f.suffix}";' for f in offered for t in _types(f)]
    return f"map {source} {name} {{\n" + "\n".join(rows) + "\n}\n"


def nginx_conf(root: str, listen: str = "8080", server_name: str = "_", lang: str = "pl") -> str:
    """The inside of nginx's `http { }`: the maps and one `server` for the export in `root`."""
    suffixes = "|".join(f.suffix for f in GRAPH_FORMATS)
    links = ", ".join(f'<$bdp_public/$stem.{f.suffix}>; rel=\\"alternate\\"; type=\\"{f.media_type}\\"'
                      for f in DOCUMENT_FORMATS) + ', <$bdp_public/$stem_url>; rel=\\"canonical\\"'
    cors = ('add_header Access-Control-Allow-Origin "*" always;\n'
            '        add_header Access-Control-Expose-Headers "Link, ETag, Last-Modified, Location, Content-Location, '
            'X-BDP-Truncated" always;')
    doc_headers = (f'{cors}\n        add_header Link "{links}";\n'
                   '        add_header Cache-Control "public, max-age=300";')
    types = "\n".join(f"        {f.media_type} {f.suffix};" for f in FORMATS if f.kind in ("graph", "quads"))
    langs = "|".join(HTML_LANGS)
    guards = ('if ($bdp_fmt = "") { return 406; }\n        if ($bdp_fmt = "bad") { return 400; }\n'
              '        if ($bdp_page = "bad") { return 400; }')
    negotiated = "doc/[a-z]+/[^/.]+|def/[^.]*[^/.]|def/index|shapes"
    return f"""# Written by `bdp export` (publisher/web/servers.py) for the static site in {root}.
# The inside of nginx's http {{ }} block: include it there (e.g. /etc/nginx/conf.d/bdp.conf).
# Whole Accept headers are map keys: the longest needs a bigger bucket than the default.
map_hash_bucket_size 1024;

{accept_map()}
{_type_map(DOCUMENT_FORMATS, "$bdp_accept_type", "$bdp_accept_fmt")}
{accept_map(QUAD_FORMATS, "$bdp_feed_type")}
{_type_map(QUAD_FORMATS, "$bdp_feed_type", "$bdp_feed_fmt")}
# The catalogue: data first, HTML to clients naming it (publisher/web/catalog.py).
{accept_map(CATALOG_FORMATS, "$bdp_catalog_type")}
{_type_map(CATALOG_FORMATS, "$bdp_catalog_type", "$bdp_catalog_accept_fmt")}
map $bdp_catalog_file $bdp_catalog_vary {{
    "~^html" "Accept, Accept-Language, Cookie";
    default "Accept";
}}
map "$arg_format|$bdp_catalog_accept_fmt:$bdp_lang" $bdp_catalog_file {{
    "~^html\\|" "html.$bdp_lang";
    "~^(?<f>{"|".join(f.suffix for f in GRAPH_FORMATS)})\\|" "$f";
    "~^\\|html:(?<l>.*)$" "html.$l";
    "~^\\|(?<f>[a-z]+):" "$f";
    "~^\\|:" "";
    default "bad";
}}
# ?format= wins over Accept; a format that is not offered is a 400.
map "$arg_format|$bdp_accept_fmt" $bdp_fmt {{
    "~^(?<f>{"|".join(f.suffix for f in DOCUMENT_FORMATS)})\\|" "$f";
    "~^\\|(?<f>.*)$" "$f";
    default "bad";
}}
map $arg_format $bdp_vary_accept {{
    "" "Accept";
    default "";
}}
map "$bdp_fmt|$bdp_vary_accept" $bdp_vary {{
    "~^html\\|(?<a>.+)$" "$a, Accept-Language, Cookie";
    "~^html\\|$" "Accept-Language, Cookie";
    "~^[^|]*\\|(?<a>.*)$" "$a";
}}
map $arg_format $bdp_content_location {{
    "" "$bdp_public/$stem.$bdp_fmt";
    default "";
}}
# ?lang=, else the `lang` cookie (kept by `bdp serve` when ?lang= chose it), else the first of {langs}
# named in Accept-Language, else the default language.
map "$arg_lang|$cookie_lang|$http_accept_language" $bdp_lang {{
    "~^(?<l>{langs})\\|" "$l";
    "~^[^|]*\\|(?<l>{langs})\\|" "$l";
    "~*^[^|]*\\|[^|]*\\|(?:[^,]*,)*?\\s*(?<l>{langs})(?:-[a-z]+)?\\s*(?:;\\s*q=(?:1|0?\\.0*[1-9])[^,]*)?(?:,|$)" "$l";
    default "{lang}";
}}
map "$bdp_fmt:$bdp_lang" $bdp_file {{
    "~^html:(?<l>.*)$" "html.$l";
    "~^(?<f>[a-z]+):" "$f";
}}
map $arg_page $bdp_page {{
    "" "";
    "1" "";
    "~^(?<n>[1-9][0-9]{{0,5}}|1000000)$" ".p$n";
    default "bad";
}}
# Error bodies as `bdp serve` sends them: HTML for browsers, JSON for JSON clients, else plain text.
{accept_map(ERROR_FORMATS, "$bdp_error_type")}
map "$bdp_error_type|$http_accept" $bdp_error_kind {{
    "~^[^|]*\\|(?:\\*/\\*)?$" "txt";
    "~^text/html\\|" "html";
    "~^[^|]*\\|.*json" "json";
    default "txt";
}}
map "$bdp_error_kind:$bdp_lang" $bdp_error_file {{
    "~^html:(?<l>.*)$" "html.$l";
    "~^(?<k>[a-z]+):" "$k";
}}

server {{
    listen {listen};
    server_name {server_name};
    root {root};
    set $bdp_public "$scheme://$http_host";
    set $stem "";
    set $stem_url "";
    charset utf-8;
    charset_types text/plain text/csv text/css application/javascript application/xml {" ".join(
        f.media_type for f in FORMATS if f.kind in ("graph", "quads"))};
    types {{
{types}
        text/html html {" ".join(HTML_LANGS)};
        text/css css;
        application/javascript js;
        application/xml xml;
        text/plain txt;
        application/json json;
        text/csv csv;
        application/gzip gz;
        image/png png;
        image/svg+xml svg;
        application/pdf pdf;
    }}
    default_type application/octet-stream;
    etag on;
    if_modified_since before;
    error_page 400 /{ERRORS}/400.$bdp_error_file;
    error_page 404 /{ERRORS}/404.$bdp_error_file;
    error_page 406 /{ERRORS}/406.$bdp_error_file;
    # What only an attack sends ('..', an encoded slash or backslash, NUL): refused as `bdp serve` does.
    if ($request_uri ~* "\\.\\.|%2e%2e|%2e\\.|\\.%2e|%2f|%5c|%00") {{ return 400; }}

    location = / {{
        {cors}
        add_header Vary "Accept-Language, Cookie";
        try_files /index.html.$bdp_lang =404;
    }}
    # /id/{{type}}/{{key}} -> 303 See Other -> /doc/{{type}}/{{key}} (when there is such a document)
    location ~ "^/id/(?<type>[a-z]+)/(?<key>[^/]+)$" {{
        {cors}
        if (!-f "$document_root/doc/$type/$key.ttl") {{ return 404; }}
        if ($request_uri ~ "^/id/(?<raw>[^?]*)") {{ return 303 "$bdp_public/doc/$raw$is_args$args"; }}
        return 404;
    }}
    location = /ontology {{
        {cors}
        return 303 "$bdp_public/def/ontology";
    }}
    # Negotiated documents: Accept (or ?format=), Accept-Language for HTML, ?page= for the links.
    location = /def/ {{
        set $stem "def/index";
        set $stem_url "def/";
        {guards}
        {doc_headers}
        add_header Vary $bdp_vary;
        add_header Content-Location $bdp_content_location;
        try_files /$stem$bdp_page.$bdp_file =404;
    }}
    location ~ "^/(?<path>{negotiated})$" {{
        set $stem $path;
        set $stem_url $path;
        {guards}
        {doc_headers}
        add_header Vary $bdp_vary;
        add_header Content-Location $bdp_content_location;
        try_files /$stem$bdp_page.$bdp_file =404;
    }}
    location ~ "^/(?<path>{negotiated})\\.(?<ext>{suffixes})$" {{
        set $stem $path;
        set $stem_url $path;
        if ($bdp_page = "bad") {{ return 400; }}
        {doc_headers}
        try_files /$stem$bdp_page.$ext =404;
    }}
    location ~ "^/(?<path>{negotiated})\\.html$" {{
        set $stem $path;
        set $stem_url $path;
        if ($bdp_page = "bad") {{ return 400; }}
        {doc_headers}
        add_header Vary "Accept-Language, Cookie";
        try_files /$stem$bdp_page.html.$bdp_lang =404;
    }}
    location = /catalog {{
        if ($bdp_catalog_file = "") {{ return 406; }}
        if ($bdp_catalog_file = "bad") {{ return 400; }}
        {cors}
        add_header Vary $bdp_catalog_vary;
        try_files /catalog.$bdp_catalog_file =404;
    }}
    location ~ "^/catalog\\.(?<ext>{suffixes})$" {{
        {cors}
        try_files /catalog.$ext =404;
    }}
    location = /catalog.html {{
        {cors}
        add_header Vary "Accept-Language, Cookie";
        try_files /catalog.html.$bdp_lang =404;
    }}
    location = /.well-known/void {{
        {cors}
        add_header Vary "Accept";
        add_header Cache-Control "no-cache";
        try_files /.well-known/void.$bdp_accept_fmt /.well-known/void.ttl =404;
    }}
    # The change feed (LDES): TriG or N-Quads.
    location = /feed/ {{
        {cors}
        add_header Vary "Accept";
        add_header Cache-Control "no-cache";
        if ($bdp_feed_fmt = "") {{ return 406; }}
        try_files /feed/index.$bdp_feed_fmt =404;
    }}
    location ~ "^/feed/(?<page>[0-9TZ]+-[0-9]+-[0-9]+)$" {{
        {cors}
        add_header Vary "Accept";
        add_header Cache-Control "no-cache";
        if ($bdp_feed_fmt = "") {{ return 406; }}
        try_files /feed/$page.$bdp_feed_fmt =404;
    }}
    location ~ "^/(?:dumps|feed)/" {{
        {cors}
        add_header Cache-Control "no-cache";
        try_files $uri =404;
    }}
    # What needs the server (search, lists, map, questions, SPARQL): a page that says so.
    location ~ "^/(?:{"|".join(DYNAMIC)})(?:/|$)" {{
        {cors}
        error_page 404 /{NOT_STATIC}.$bdp_error_file;
        return 404;
    }}
    location ^~ /_static/ {{
        internal;
        ssi on;
        ssi_types text/plain application/json;
        {cors}
    }}
    location / {{
        {cors}
        try_files $uri =404;
    }}
}}
"""

