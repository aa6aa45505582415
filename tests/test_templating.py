"""The app's Jinja environment (publisher/web/templating.py): its shortcuts change no output."""

from __future__ import annotations

import pytest
from flask import render_template_string
from markupsafe import Markup, escape

from publisher.web.templating import escape_output


def test_escape_output_writes_what_markupsafe_writes():
    values = ["<a href='x'>&amp;</a>", Markup("<b>kept</b>"), 12, None, 1.5, "plain", Markup("")]
    for value in values:
        assert escape_output(value) == escape(value)
        assert type(escape_output(value)) is Markup


def test_a_template_sees_globals_changed_after_it_was_loaded(app):
    with app.test_request_context("/"):
        app.jinja_env.globals["greeting"] = "<hi>"
        assert render_template_string("{{ greeting }}!") == "&lt;hi&gt;!"
        template = app.jinja_env.from_string("{{ greeting }}")
        app.jinja_env.get_template("resource_macros.html")       # cached, with a copy of the globals
        app.jinja_env.globals["greeting"] = Markup("<b>bye</b>")
        assert render_template_string("{{ greeting }}!") == "<b>bye</b>!"
        assert "greeting" in app.jinja_env.get_template("resource_macros.html").globals
        assert app.jinja_env.get_template("resource_macros.html").globals["greeting"] == Markup("<b>bye</b>")
        assert template.render() == "&lt;hi&gt;"      # a template made before keeps what it was made with
        del app.jinja_env.globals["greeting"]
        assert "greeting" not in app.jinja_env.get_template("resource_macros.html").globals


def test_the_frame_is_made_once_a_language_and_is_what_frame_html_says(app):
    languages = app.extensions.setdefault("bdp_languages", {})
    for lang in ("pl", "en"):
        if lang in languages:
            languages[lang].frames.clear()
    for lang, path in (("pl", "/doc/organisation/powiat-tczewski"), ("en", "/doc/organisation/powiat-tczewski"),
                       ("pl", "/def/")):
        with app.test_request_context(path, headers={"Accept-Language": lang}):
            app.preprocess_request()
            page = render_template_string('{% extends "base.html" %}{% block main %}<p>M</p>{% endblock %}')
        other = "en" if lang == "pl" else "pl"
        assert page.startswith(f'<!doctype html>\n<html lang="{lang}">\n<head>\n')
        assert f'<li><a href="{path}?lang={other}" hreflang="{other}" lang="{other}">' in page
        assert '\n<main id="main">\n<p>M</p>\n</main>\n' in page and page.endswith("</body>\n</html>")
        assert ("Strona główna" in page) == (lang == "pl") and ("Home</a>" in page) == (lang == "en")
    # one frame a language for the two Polish pages (the same site root), made from frame.html
    assert [len(languages[lang].frames) for lang in ("pl", "en")] == [1, 1]
    (_, frame), = languages["pl"].frames.values()
    assert frame.other == "en" and frame.before_main.endswith('<main id="main">\n')


def test_a_frame_without_its_slots_in_order_is_refused_with_a_clear_message():
    from jinja2 import DictLoader, Environment

    from publisher.web.i18n import make_frame

    env = Environment(loader=DictLoader({"frame.html": "{{ slot.head }}{{ slot.title }}"}), autoescape=True)
    with pytest.raises(RuntimeError, match="frame.html must hold each of the slots title, head"):
        make_frame(env, "pl", None)


@pytest.mark.parametrize("url", ["/doc/place/x", "/doc/place/x.html", "/doc/place/%C5%81%C3%B3d%C5%BA?page=2",
                                 "/search?q=a+b&lang=en&page=3", "/browse?lang=pl", "/def/?x=%26"])
def test_the_switch_links_to_the_page_in_the_other_language(app, url):
    from urllib.parse import urlencode

    from flask import request

    from publisher.web.i18n import switch_url

    with app.test_request_context(url):
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", "en")]
        path = request.path.removesuffix(".html") if request.path.startswith("/doc/") else request.path
        assert switch_url("en") == path + "?" + urlencode(kept)


def test_calls_in_templates_reach_functions_with_or_without_the_context(app):
    from jinja2 import pass_context, pass_eval_context

    class Counter:
        def plain(self, a, b=1):
            return f"plain {a} {b}"

        @pass_context
        def asks(self, context, a):
            return f"asks {context['who']} {a}"

    class WithCall:
        @pass_context
        def __call__(self, context):
            return f"called in {context['who']}"

    def stops():
        raise StopIteration

    names = {"who": "<me>", "c": Counter(), "w": WithCall(), "stops": stops, "length": len,
             "ev": pass_eval_context(lambda ctx, x: f"{ctx.autoescape} {x}"), "f": lambda x: x * 2}
    with app.test_request_context("/"):
        page = render_template_string(
            "{{ c.plain(1) }}|{{ c.plain(2, b=3) }}|{{ c.asks(4) }}|{{ w() }}|{{ length('abc') }}|{{ ev(5) }}|"
            "{{ f(6) }}|{% for i in [1] %}{% set who = 'loop' %}{{ c.asks(i) }}{% endfor %}|{{ stops() }}|", **names)
    assert page == ("plain 1 1|plain 2 3|asks &lt;me&gt; 4|called in &lt;me&gt;|3|True 5|12|asks loop 1||")


TEMPLATES = {
    "base.html": "<h>{% block title %}T{% endblock %}</h>{% block main %}{% block inner %}i{% endblock %}"
                 "{% endblock %}|{% block empty %}{% endblock %}|{% block tail scoped %}{% endblock %}",
    "part.html": "[{{ who }}{{ x|default('-') }}]",
    "page.html": """{% extends "base.html" %}{% from "macros.html" import box %}
{% block title %}{{ title }} {{ super() }}{% endblock %}
{% block main %}{% for i in items %}<{{ i }}>{% if i is odd %}{{ box(i) }}{% else %}{% include "part.html" %}{% endif %}
{% endfor %}{% set x %}set <{{ who }}>{% endset %}{{ x }}{% filter upper %}f{{ who }}{% endfilter %}
{% call box(9) %}called {{ who }}{% endcall %}{% include "part.html" without context %}{{ super() }}
{% block inner %}I{{ self.title() }}{% endblock %}{% endblock %}
{% block tail %}{% for i in items %}{% include "part.html" %}{% endfor %}{% endblock %}""",
    "macros.html": "{% macro box(n) %}({{ n }}{% if caller %} {{ caller() }}{% endif %}){% endmacro %}",
    "plain.html": "{% for i in items %}{{ i }}{% endfor %}{% block b %}{{ who }}{% endblock %}",
    "root_include.html": "a{% include 'part.html' without context %}{% block c %}{{ who }}{% endblock %}",
}


def test_blocks_written_in_one_step_give_what_jinja_gives():
    from jinja2 import DictLoader, Environment

    from publisher.web.templating import CodeGenerator, Context

    class Ours(Environment):
        code_generator_class = CodeGenerator
        context_class = Context

    plain, ours = (cls(loader=DictLoader(TEMPLATES), autoescape=True) for cls in (Environment, Ours))
    for name in ("plain.html", "root_include.html", "base.html", "page.html"):
        made = [env.get_template(name).render(title="<t>", items=[1, 2, 3], who="<w>") for env in (plain, ours)]
        assert made[0] == made[1]
        streamed = [list(env.get_template(name).generate(title="t", items=[1], who="w")) for env in (plain, ours)]
        assert "".join(streamed[0]) == "".join(streamed[1])
    assert "(9 called &lt;w&gt;)" in made[0] and "[&lt;w&gt;-]" in made[0]
    source = ours.compile(ours.loader.get_source(ours, "page.html")[0], raw=True)
    assert "yield from template._get_default_module()._body_stream" in source    # that block as Jinja has it
    assert source.count("yield concat(t_") == 3                   # the blocks title, inner and tail: one step
    base = ours.compile(ours.loader.get_source(ours, "base.html")[0], raw=True)
    root = base[base.index("def root"):base.index("def block_")]
    assert "yield from" not in root and root.count("yield concat(t_") == 1      # base.html's root: one step
    assert ".extend(context.blocks['title'][0](context))" in root and "for event in" in root   # (scoped)


@pytest.mark.parametrize("stem", ["http://h/doc/place/x", 'http://h/doc/place/a&b"<c>', "http://h/doc/place/x?page=2"])
def test_format_links_from_the_mark_are_what_the_macros_write(app, stem):
    """format_markup puts a document's escaped URL where its mark was; the macros themselves write the same
    for the same formats, and for URLs that are not one URL and a suffix (written by the macros directly)."""
    from publisher.formats import DOCUMENT_FORMATS
    from publisher.web.templating import format_markup, format_name

    with app.test_request_context("/"):
        env = app.jinja_env
        macros = env.get_template("resource_macros.html").module
        for formats in ([(f"{stem}.{f.suffix}", f) for f in DOCUMENT_FORMATS],
                        [(f"{stem}/{f.suffix}", f) for f in DOCUMENT_FORMATS]):
            links = [(escape(url), escape(f.media_type), escape(format_name(f))) for url, f in formats]
            head, anchors = format_markup(env, list(formats))
            assert head == macros.alternate_links(links) and anchors == macros.format_anchors(links)
            assert type(head) is Markup and str(escape(formats[1][0])) in head
            assert format_markup(env, list(formats)) == (head, anchors)       # the last one, kept
            assert "\x00" not in head + anchors
        assert "&amp;" in format_markup(env, [(f"{stem}.ttl", DOCUMENT_FORMATS[0])])[0] or "&" not in stem
