"""The Apache httpd 2.4 configuration for the static export (publisher/web/export.py): Apache negotiates
itself (mod_negotiation's MultiViews, RFC 9110 q-values and Accept-Language), so this is short beside the
nginx one (publisher/web/servers.py). Source qualities that differ by thousandths break ties in the order
of the media-type table; Apache cannot know the table's aliases (one media type a file)."""

from __future__ import annotations

from publisher.formats import DOCUMENT_FORMATS, GRAPH_FORMATS
from publisher.web.export import DYNAMIC, ERRORS, HTML_LANGS, NOT_STATIC


def apache_conf(root: str, listen: str = "8080") -> str:
    """A virtual host for Apache httpd 2.4 (mod_negotiation, mod_rewrite, mod_headers, mod_mime): MultiViews
    negotiates among the files of a document (RFC 9110 q-values, Accept-Language), which Apache does itself."""
    port = listen.rsplit(":", 1)[-1]
    qs = "\n".join(f'    AddType "{f.media_type}; qs={1 - i / 1000:.3f}" .{f.suffix}'
                   for i, f in enumerate(DOCUMENT_FORMATS) if f.suffix != "html")
    html_qs = 1 - (len(DOCUMENT_FORMATS) - 1) / 1000
    suffixes = "|".join(f.suffix for f in GRAPH_FORMATS)
    negotiated = "doc/[a-z]+/[^/.]+|def/[^.]*[^/.]|shapes|catalog"
    return f"""# Written by `bdp export` (publisher/web/servers.py) for the static site in {root}.
# Needs mod_mime, mod_negotiation, mod_rewrite, mod_headers, mod_alias (a2enmod rewrite headers).
Listen {listen}
<VirtualHost *:{port}>
    DocumentRoot "{root}"
    <Directory "{root}">
        Options +MultiViews -Indexes
        MultiViewsMatch NegotiatedOnly
        AllowOverride None
        Require all granted
    </Directory>
{qs}
    AddType "text/html; qs={html_qs:.3f}" .html
    AddType application/trig .trig
    AddType application/n-quads .nq
    AddType application/gzip .gz
    RemoveType {" ".join("." + lang for lang in HTML_LANGS)}
{chr(10).join(f"    AddLanguage {lang} .{lang}" for lang in HTML_LANGS)}
    LanguagePriority {" ".join(HTML_LANGS)}
    ForceLanguagePriority Prefer Fallback
    AddDefaultCharset utf-8
    FileETag MTime Size
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Expose-Headers "Link, ETag, Last-Modified, Location, Content-Location"
    ErrorDocument 404 /{ERRORS}/404
    ErrorDocument 406 /{ERRORS}/406
    ErrorDocument 400 /{ERRORS}/400
    # qs= (source quality: breaks ties in the table's order) is for negotiation only, not for clients
    Header always edit Content-Type ";\\s*qs=[0-9.]+" ""
    <LocationMatch "^/_static/(nginx\\.conf|apache\\.conf|export\\.json|records\\.json)$">
        Require all denied
    </LocationMatch>

    RewriteEngine On
    # /id/{{type}}/{{key}} -> 303 See Other -> /doc/{{type}}/{{key}}
    RewriteCond "%{{DOCUMENT_ROOT}}/doc/$1/$2.ttl" -f
    RewriteRule "^/id/([a-z]+)/([^/]+)$" "/doc/$1/$2" [R=303,L,NE]
    RewriteRule "^/id/" - [R=404,L]
    RewriteRule "^/ontology$" "/def/ontology" [R=303,L]
    RewriteRule "^/def/$" "/def/index" [PT]
    # ?lang= chooses the language of a page; ?page=N a later page of a document's links
    RewriteCond "%{{QUERY_STRING}}" "(?:^|&)lang=({"|".join(HTML_LANGS)})(?:&|$)"
    RewriteRule "^/" - [E=prefer-language:%1]
    RewriteCond "%{{QUERY_STRING}}" "(?:^|&)page=([2-9]|[1-9][0-9]{{1,5}})(?:&|$)"
    RewriteRule "^/({negotiated})(\\.(?:{suffixes}|html))?$" "/$1.p%1$2" [PT]
    # ?format= overrides Accept
    RewriteCond "%{{QUERY_STRING}}" "(?:^|&)format=({suffixes}|html)(?:&|$)"
    RewriteRule "^/({negotiated}|[^.]+\\.p[0-9]+)$" "/$1.%1" [PT]
    RewriteCond "%{{QUERY_STRING}}" "(?:^|&)format="
    RewriteRule "^/({negotiated})$" - [R=400,L]
    # The change feed's stream, and what needs the server (a page that says so)
    RewriteRule "^/feed/$" "/feed/index" [PT]
    RewriteRule "^/(?:{"|".join(DYNAMIC)})(?:/|$)" "/{NOT_STATIC}" [PT]
</VirtualHost>
"""
