"""What a document's page works out the same in both languages, kept for the page in the other language:
`bdp export` renders a document's Polish page and then its English one from the same description
(publisher.web.export_documents), and a server renders one page a request, for which keeping the last one
costs nothing. A description is the same one (it is not changed once read). (A document's links to its
formats: templating.format_markup.)"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from publisher.read.resources import Description

# A value as a page reads it: (the term; its language, '' for a literal without one, None for others; its IRI,
# None for a literal or blank node; a literal's datatype IRI, None for others, and lexical form, '' for others)
Value = tuple[Any, str | None, str | None, str | None, str]


class PageParts:
    """What a description's page reads of it the same in every language: its values grouped by subject and
    predicate, its links' subjects and predicates with their IRIs (pyoxigraph makes a new string at each
    read of a term's value). Kept for the last description (page_parts), whose page in the other
    language follows."""

    def __init__(self, d: Description) -> None:
        self.d = d
        self._grouped: dict[Any, list[tuple[ox.NamedNode, str, list[Value]]]] | None = None
        self._incoming: list[tuple[Any, str | None, Any, str | None]] | None = None

    def grouped(self, subject: Any) -> list[tuple[ox.NamedNode, str, list[Value]]]:
        """The values of `subject` by predicate, first seen first: (predicate, its IRI, [Value])."""
        if self._grouped is None:            # every subject's (the resource's, its blank nodes') at once
            by_subject: dict[Any, dict[ox.NamedNode, list[Value]]] = {}
            for t in self.d.triples:
                value: Any = t.object
                kind = value.__class__
                made: Value = ((value, None, value.value, None, "") if kind is ox.NamedNode else
                               (value, value.language or "", None, value.datatype.value, value.value)
                               if kind is ox.Literal else (value, None, None, None, ""))
                by_subject.setdefault(t.subject, {}).setdefault(t.predicate, []).append(made)
            self._grouped = {s: [(p, p.value, values) for p, values in by_predicate.items()]
                             for s, by_predicate in by_subject.items()}
        return self._grouped.get(subject, [])

    def incoming(self) -> list[tuple[Any, str | None, Any, str | None]]:
        """(subject, its IRI or None, predicate, its IRI) of this page of links to the resource."""
        if self._incoming is None:
            self._incoming = [(s, s.value if s.__class__ is ox.NamedNode else None, p, p.value)
                              for t in self.d.incoming for s, p in ((t.subject, t.predicate),)]
        return self._incoming


_last_page: PageParts | None = None


def page_parts(d: Description) -> PageParts:
    global _last_page
    found = _last_page
    if found is None or found.d is not d:
        found = _last_page = PageParts(d)
    return found
