"""`bdp link wikidata`: reconcile our local government units (JST) and places with Wikidata.

By TERYT code: Wikidata's property P1653 ("TERYT municipality code") holds TERC codes as we do ("22",
"2214", "2214011"). One item with our code is the same unit: `owl:sameAs`. Several items with one code
(a town and its gmina, say) are narrowed by their class (P31) when the code's kind names one (EXPECTED);
otherwise all of them become suggestions. A unit with no match by code is looked up by its Polish name
(label or alias) among items whose own TERYT code lies in the unit's voivodeship; such a match is only a
suggestion (`skos:closeMatch` in a separate file the build never loads), never `owl:sameAs`.

The client is polite: one request at a time, codes and names batched with VALUES, a User-Agent naming bdp
and a contact, a time limit per request, retries with growing pauses on network errors, 429 and 5xx; an
answer that is not SPARQL JSON results fails at once. Nothing is written unless every request succeeded."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from publisher.errors import BdpError
from publisher.link.linksets import Link
from publisher.read.links import Unit

WD = "http://www.wikidata.org/entity/"
ITEM = re.compile(r"http://www\.wikidata\.org/entity/Q[1-9][0-9]*")
PROLOGUE = ("PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")

# Classes (P31) of the unit a TERYT code names, to choose among several items carrying one code; keyed by
# the code's length, and for gminas by the kind digit. Only classes we are sure of: extend with care.
EXPECTED = {
    "2": {WD + "Q150093"},                       # voivodeship of Poland
    "4": {WD + "Q247073", WD + "Q925381"},       # powiat; city with powiat rights
    "7:1": {WD + "Q2616791"},                    # urban gmina of Poland
}

BY_CODE = PROLOGUE + """SELECT ?code ?item ?label ?class WHERE {
  VALUES ?code { $VALUES }
  ?item wdt:P1653 ?code .
  FILTER NOT EXISTS { ?item wdt:P576 ?dissolved }
  OPTIONAL { ?item wdt:P31 ?class }
  OPTIONAL { ?item rdfs:label ?label FILTER(LANG(?label) = "pl") }
}"""

BY_NAME = PROLOGUE + """SELECT ?name ?item ?code ?class WHERE {
  VALUES ?name { $VALUES }
  ?item rdfs:label|skos:altLabel ?name ; wdt:P1653 ?code .
  FILTER NOT EXISTS { ?item wdt:P576 ?dissolved }
  OPTIONAL { ?item wdt:P31 ?class }
}"""


class EndpointError(BdpError):
    """The SPARQL endpoint could not be reached, refused, or answered something that is not results."""


def sparql_string(text: str) -> str:
    """`text` as a SPARQL string literal (quotes, backslashes and line breaks escaped; controls dropped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + "".join(c for c in escaped if c >= " ") + '"'


@dataclass
class Client:
    """A polite SPARQL SELECT client (SPARQLWrapper) that returns the JSON bindings or raises EndpointError."""

    endpoint: str
    agent: str
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0

    def select(self, query: str) -> list[dict[str, Any]]:
        pause = self.backoff
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                return self._once(query)
            except _Retry as exc:
                if attempt == self.retries:
                    raise EndpointError(f"the SPARQL endpoint {self.endpoint} did not answer after "
                                        f"{attempt + 1} attempt(s): {exc}") from None
                self.sleep(max(pause, exc.wait))
                pause *= 2
        raise AssertionError("unreachable")

    def _once(self, query: str) -> list[dict[str, Any]]:
        wrapper = SPARQLWrapper(self.endpoint, agent=self.agent)
        wrapper.setMethod(POST)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(max(1, round(self.timeout)))
        wrapper.setQuery(query)
        try:
            # closed here: SPARQLWrapper hands back urllib's response open, and its socket would be left
            # to the garbage collector (a ResourceWarning in a long-lived process such as the tests')
            with wrapper.query().response as response:
                kind = response.headers.get_content_type()
                body = response.read()
        except EndPointInternalError:
            raise _Retry("HTTP 500") from None
        except SPARQLWrapperException as exc:
            raise EndpointError(f"the SPARQL endpoint {self.endpoint} refused the query: "
                                f"{type(exc).__name__}") from None
        except urllib.error.HTTPError as exc:
            exc.close()     # an HTTPError is also the open response
            if exc.code == 429 or exc.code >= 500:
                raise _Retry(f"HTTP {exc.code}", _retry_after(exc)) from None
            raise EndpointError(f"the SPARQL endpoint {self.endpoint} answered HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise _Retry(f"cannot connect ({exc.reason})") from None
        except TimeoutError:
            raise _Retry(f"no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise _Retry(f"broken connection ({type(exc).__name__})") from None
        return self._bindings(kind, body)

    def _bindings(self, kind: str, body: bytes) -> list[dict[str, Any]]:
        garbage = f"the SPARQL endpoint {self.endpoint} answered something that is not SPARQL JSON results"
        if kind not in ("application/sparql-results+json", "application/json"):
            raise EndpointError(f"{garbage} ({kind})")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise EndpointError(f"{garbage} (invalid JSON)") from None
        rows = data.get("results", {}).get("bindings") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(
                isinstance(r, dict) and all(isinstance(v, dict) and isinstance(v.get("value"), str)
                                            for v in r.values()) for r in rows):
            raise EndpointError(f"{garbage} (no results.bindings)")
        return rows


class _Retry(Exception):
    def __init__(self, message: str, wait: float = 0.0) -> None:
        super().__init__(message)
        self.wait = wait


def _retry_after(exc: urllib.error.HTTPError) -> float:
    try:
        return min(float(exc.headers.get("Retry-After", 0)), 300.0)
    except (TypeError, ValueError):
        return 0.0


def _batches(values: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


@dataclass
class Candidate:
    item: str
    label: str = ""
    codes: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)


def _value(row: dict[str, Any], name: str) -> str:
    return str(row.get(name, {}).get("value", ""))


def items_by_code(client: Client, codes: Iterable[str], batch: int) -> dict[str, dict[str, Candidate]]:
    """code -> {item IRI -> candidate} for every Wikidata item carrying one of `codes` as P1653."""
    found: dict[str, dict[str, Candidate]] = defaultdict(dict)
    for chunk in _batches(sorted(set(codes)), batch):
        for row in client.select(BY_CODE.replace("$VALUES", " ".join(sparql_string(c) for c in chunk))):
            item, code = _value(row, "item"), _value(row, "code")
            if not ITEM.fullmatch(item) or code not in chunk:
                continue
            cand = found[code].setdefault(item, Candidate(item))
            cand.codes.add(code)
            cand.label = cand.label or _value(row, "label")
            if _value(row, "class"):
                cand.classes.add(_value(row, "class"))
    return found


def items_by_name(client: Client, names: Iterable[str], batch: int) -> dict[str, dict[str, Candidate]]:
    """lower-cased name -> {item IRI -> candidate} for items labelled (pl) or aliased with the name."""
    found: dict[str, dict[str, Candidate]] = defaultdict(dict)
    for chunk in _batches(sorted(set(names)), batch):
        values = " ".join(sparql_string(n) + "@pl" for n in chunk)
        for row in client.select(BY_NAME.replace("$VALUES", values)):
            item, name = _value(row, "item"), _value(row, "name")
            if not ITEM.fullmatch(item):
                continue
            cand = found[name.lower()].setdefault(item, Candidate(item, name))
            if re.fullmatch(r"[0-9]{2}([0-9]{2}([0-9]{3})?)?", _value(row, "code")):
                cand.codes.add(_value(row, "code"))
            if _value(row, "class"):
                cand.classes.add(_value(row, "class"))
    return found


def expected_classes(code: str) -> set[str]:
    return EXPECTED.get(f"{len(code)}:{code[-1]}" if len(code) == 7 else str(len(code)), set())


def name_variants(label: str) -> list[str]:
    """The name as written, with a lower-case first letter ("powiat tczewski"), and all lower case."""
    label = " ".join(label.split())
    return list(dict.fromkeys(v for v in (label, label[:1].lower() + label[1:], label.lower()) if v))


@dataclass
class Reconciled:
    links: list[Link] = field(default_factory=list)          # owl:sameAs, by TERYT code
    suggestions: list[Link] = field(default_factory=list)    # skos:closeMatch, for review
    unmatched: int = 0


def reconcile(units: list[Unit], client: Client, base: str, *, batch: int = 200,
              skip: frozenset[str] = frozenset()) -> Reconciled:
    """Links for `units` (whose IRIs lie under `base`); `skip`: relative IRIs already linked elsewhere."""
    out = Reconciled()
    todo = [u for u in units if u.iri.startswith(base) and u.iri[len(base):] not in skip]
    by_code = items_by_code(client, [u.teryt for u in todo if u.teryt], batch)
    by_name_wanted: list[Unit] = []
    for unit in todo:
        subject = unit.iri[len(base):]
        found = list(by_code.get(unit.teryt or "", {}).values())
        preferred = [c for c in found if c.classes & expected_classes(unit.teryt or "")] if len(found) > 1 else found
        if len(preferred) == 1:
            c = preferred[0]
            out.links.append(Link(subject, "owl:sameAs", c.item, f"{unit.label} = {c.label} (TERYT {unit.teryt})"))
        elif found:
            out.suggestions += [Link(subject, "skos:closeMatch", c.item, f"{unit.label} ~ {c.label}: one of "
                                     f"{len(found)} items with TERYT {unit.teryt}") for c in found]
        else:
            by_name_wanted.append(unit)
    wanted = [u for u in by_name_wanted if u.label and u.voivodeship]
    by_name = items_by_name(client, [v for u in wanted for v in name_variants(u.label)], batch)
    for unit in by_name_wanted:
        subject = unit.iri[len(base):]
        matches: dict[str, Candidate] = {}
        if unit in wanted:
            for variant in name_variants(unit.label):
                matches.update(by_name.get(variant.lower(), {}))
        same_region = [c for c in matches.values() if any(code[:2] == unit.voivodeship for code in c.codes)]
        if not same_region:
            out.unmatched += 1
        out.suggestions += [Link(subject, "skos:closeMatch", c.item, f"{unit.label} ~ {c.label}: same name, "
                                 f"voivodeship {unit.voivodeship} (TERYT {', '.join(sorted(c.codes))})")
                            for c in same_region]
    return out
