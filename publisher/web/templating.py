"""The app's Jinja environment: Flask's, with two costs of every render taken out, the output the same.

- Each template's globals are a plain dict instead of Jinja's ChainMap over the environment's globals.
  Every render starts a context from those globals and checks them again at each `{% from ... import %}`;
  through a ChainMap that is a Python-level look-up for each of the ~25 names, through a dict one C copy.
  Templates still see every global: a change to the environment's globals after a template was loaded
  empties the template cache, so templates are loaded again with the new ones.
- `{{ value }}` escapes through `escape_output`: markupsafe.escape, except that text already escaped
  (Markup: links, translated texts, a macro's output) is written as it is instead of copied into a new
  Markup. A page writes ~90 values, most of them Markup.
- A block's output is gathered in a list and given to the page as one string, where Jinja yields each
  piece of it (~100 on a document page) through every level of the inheritance (base.html's root, the
  page's root, the block): a block is one generator step instead of a hundred. So is the root of a
  template that extends none (base.html's fourteen pieces, each passed on by the page's root).
  Not for a block holding an `{% include ... without context %}`, which Jinja writes as a `yield from`.
- `{{ f|format_name }}` names a format ("Turtle") by a filter, which Jinja calls directly, rather than by
  a table's `.get` (a call through the context, ten on every document page).
- A call in a template (`v.table()`, `_("...")`) of a plain function or method that asks for no context
  goes straight to it (Context.call): Jinja looks for `jinja_pass_arg` on the callable and on its
  `__call__`, which for a function that has none costs more than the call. One that asks for the context
  (base.html's `page_frame()`) gets it the same way, outside a loop or a block's `set`.
- A document's links to its formats (`format_markup`, resource_macros.html's alternate_links and
  format_anchors: ~30 values on every generic page) are the macros' output made once a process with a mark
  where the document's URL goes, the escaped URL put in for each document, as i18n.Frame does for a page.
- A template loaded once is found again by name in a dict (Environment.get_template) while templates do
  not reload, before Jinja's LRU cache with its lock and weak reference: a page loads three (itself,
  base.html, the macros it imports)."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

from flask.templating import Environment as FlaskEnvironment
from jinja2 import Template, nodes, pass_environment
from jinja2.compiler import CodeGenerator as JinjaCodeGenerator
from jinja2.compiler import Frame
from jinja2.runtime import Context as JinjaContext
from jinja2.utils import _PassArg, internalcode
from markupsafe import Markup, escape

# The names people read for the formats of a document (others by their suffix).
FORMAT_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML", "nt": "N-Triples", "html": "HTML"}


def format_name(fmt: Any) -> str:
    """`{{ f|format_name }}`: the name of a format (publisher.formats.Format) as a page shows it."""
    return FORMAT_NAMES.get(fmt.name, fmt.suffix)


def escape_output(value: Any) -> Markup:
    """What `{{ value }}` writes under autoescaping: markupsafe.escape(value), Markup itself unchanged."""
    return value if value.__class__ is Markup else escape(value)


# A document's formats' links as alternate_links and format_anchors (resource_macros.html) write them, with
# a mark where the document's URL goes: by the environment and the formats; the last document's links kept.
_MARK = "\x00"
_FORMAT_PARTS: dict[tuple[Any, tuple[tuple[str, str, str], ...]], tuple[list[str], list[str]]] = {}
_last_format_markup: tuple[Any, list[tuple[str, Any]], tuple[Markup, Markup]] = (None, [], (Markup(), Markup()))


@pass_environment
def format_markup(environment: Environment, formats: list[tuple[str, Any]]) -> tuple[Markup, Markup]:
    """(the head's <link rel="alternate"> lines, the "Data as" line's links) of a document's (URL, Format)
    list, as resource_macros.html's alternate_links and format_anchors write them. A document's format URLs
    are its URL and a suffix: the macros run once a process for each list of formats with a mark for that
    URL, which each document's escaped URL replaces (as i18n.Frame's slots); other URLs, or templates that
    reload, run the macros. The last document's kept, for its page in the other language."""
    global _last_format_markup
    last = _last_format_markup
    if last[0] is environment and last[1] == formats:
        return last[2]
    stem = _common_stem(formats)
    macros = environment.get_template("resource_macros.html").module
    if stem is None or environment.auto_reload:
        links = [(escape(url), escape(f.media_type), escape(format_name(f))) for url, f in formats]
        made = (macros.alternate_links(links), macros.format_anchors(links))  # type: ignore[attr-defined]
    else:
        key = (environment, tuple((f.suffix, f.media_type, format_name(f)) for _, f in formats))
        parts = _FORMAT_PARTS.get(key)
        if parts is None:
            links = [(Markup(f"{_MARK}.{f.suffix}"), escape(f.media_type), escape(format_name(f)))
                     for _, f in formats]
            parts = _FORMAT_PARTS[key] = (str(macros.alternate_links(links)).split(_MARK),  # type: ignore[attr-defined]
                                          str(macros.format_anchors(links)).split(_MARK))  # type: ignore[attr-defined]
        url = str(escape(stem))
        made = (Markup(url.join(parts[0])), Markup(url.join(parts[1])))
    _last_format_markup = (environment, formats, made)
    return made


def _common_stem(formats: list[tuple[str, Any]]) -> str | None:
    """The URL that every format's URL is, followed by a dot and the format's suffix (None: not so)."""
    if not formats:
        return None
    url, first = formats[0]
    stem = url[:len(url) - len(first.suffix) - 1]
    for url, f in formats:
        if not (f.suffix.isalnum() and url == f"{stem}.{f.suffix}") or _MARK in url:
            return None
    return stem


class CodeGenerator(JinjaCodeGenerator):
    """Jinja's, binding the compiled template's `escape` (used only to write values) to escape_output, and
    writing a block's output into a list yielded once (Jinja's way of writing a macro's output)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        self.writeline("from publisher.web.templating import escape_output as escape")

    def blockvisit(self, body: Iterable[nodes.Node], frame: Frame) -> None:
        # a block's own frame (no parent) before anything buffers it: its body, visited once; or the root of
        # a template that extends none (base.html: its pieces and the blocks' outputs)
        if not (frame.block_frame and frame.parent is None and frame.buffer is None
                or frame.rootlevel and frame.toplevel and not frame.require_output_check and frame.buffer is None):
            return super().blockvisit(body, frame)
        body = list(body)
        if any(isinstance(n, (nodes.Include, nodes.Extends)) and not getattr(n, "with_context", False)
               for node in body for n in (node, *node.find_all((nodes.Include, nodes.Extends)))):
            return super().blockvisit(body, frame)
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = []")
        super().blockvisit(body, frame)
        self.writeline(f"yield concat({frame.buffer})")

    def visit_Block(self, node: nodes.Block, frame: Frame) -> None:
        # in a root gathered in a list (above): the block's one piece added to it, not looped over
        if (frame.buffer is not None and frame.rootlevel and frame.toplevel and not self.environment.is_async
                and not (node.scoped or node.required or self.has_known_extends or self.extends_so_far)):
            self.writeline(f"{frame.buffer}.extend(context.blocks[{node.name!r}][0]({self.get_context_ref()}))",
                           node)
            return
        super().visit_Block(node, frame)


class Context(JinjaContext):
    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805  (Jinja's signature)
        """Jinja's Context.call; a function, method or builtin called directly unless it asks for the
        context or the environment (`jinja_pass_arg`); one asking for the eval context gets it first."""
        kind = __obj.__class__
        target = __obj.__func__ if kind is MethodType else __obj if kind is FunctionType else None
        if target is None:
            if kind is not BuiltinFunctionType:
                return super().call(__obj, *args, **kwargs)
        elif target.__class__ is not FunctionType:
            return super().call(__obj, *args, **kwargs)
        elif (asks := target.__dict__.get("jinja_pass_arg")) is not None:
            if asks is _PassArg.eval_context:
                args = (__self.eval_ctx, *args)          # _() and ngettext() of a language
            elif asks is _PassArg.environment:
                args = (__self.environment, *args)       # format_markup
            elif asks is _PassArg.context and not (kwargs.get("_loop_vars") or kwargs.get("_block_vars")):
                args = (__self, *args)           # (Jinja derives a context holding a loop's or block's vars)
            else:
                return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a "
                                                "StopIteration exception")


class Globals(dict[str, Any]):
    """The environment's globals: a change drops the loaded templates, which hold a copy."""

    def __init__(self, environment: Environment, items: MutableMapping[str, Any]) -> None:
        super().__init__(items)
        self._environment = environment

    def _changed(self) -> None:
        cache = self._environment.cache
        if cache is not None:
            cache.clear()
        self._environment.loaded.clear()

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        found = key in self
        value = super().setdefault(key, default)
        if not found:
            self._changed()
        return value

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._changed()
        return value

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __ior__(self, other: Any) -> Globals:  # type: ignore[override,misc]
        self.update(other)
        return self


class Environment(FlaskEnvironment):
    code_generator_class = CodeGenerator
    context_class = Context

    def __init__(self, app: Any, **options: Any) -> None:
        self.loaded: dict[str, tuple[Any, Template]] = {}    # name: (the loader, the template)
        super().__init__(app, **options)
        self.globals = Globals(self, self.globals)
        self.filters["format_name"] = format_name
        self.globals["format_markup"] = format_markup

    @internalcode
    def get_template(self, name: str | Template, parent: str | None = None,
                     globals: MutableMapping[str, Any] | None = None) -> Template:
        """Jinja's get_template; a template by name (this environment does not rename: join_path) kept in
        `loaded` for its loader, emptied with Jinja's cache, and asked of it again while templates reload."""
        if name.__class__ is str and globals is None and not self.auto_reload:
            found = self.loaded.get(name)
            if found is not None and found[0] is self.loader:
                return found[1]
            template = super().get_template(name, parent)
            if self.cache is not None:
                self.loaded[name] = (self.loader, template)
            return template
        return super().get_template(name, parent, globals)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals: the environment's, overlaid by its own (what Jinja's ChainMap reads)."""
        return {**self.globals, **d} if d else dict(self.globals)
