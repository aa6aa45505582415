"""The app's Jinja environment (publisher/web/templating.py): its shortcuts change no output."""

from __future__ import annotations

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
