"""Who an organisation worked with: its partners across all its practices (as a partner or the
implementing unit), with each partner's sector and how many practices they share. For the organisation
page's network drawing (publisher/web/charts.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES, sparql_prologue
from publisher.read import network_quads
from publisher.read.recent import remembered
from publisher.read.resources import labels
from publisher.store import Store
from publisher.store.bind import term_text
from publisher.store.embedded import DirectStore

MAX_PARTNERS = 24

# In two steps, each bound from the start: the organisation's practices (as a partner or the implementing
# unit), then everyone in those practices. One query with both UNIONs joined on ?x took Oxigraph seconds
# an organisation at 100,000 practices (it read every membership); these take milliseconds.
PRACTICES = sparql_prologue(("bdp", "org")) + """
SELECT DISTINCT ?org ?x WHERE {
  { ?m org:member ?org . ?ps org:hasMembership ?m . ?x bdp:partnership ?ps } UNION { ?x bdp:implementingUnit ?org }
}"""
# Everyone in those practices: how (?via "m" a membership, with its role; "u" the implementing unit) and
# with the sector. The organisation's page takes from these rows its network, its roles in each practice
# and the sectors of each practice's members: one walk over the memberships instead of three.
PEOPLE = sparql_prologue(("bdp", "org")) + """
SELECT ?x ?via ?partner ?role ?sector WHERE {{
  VALUES ?x {{ {values} }}
  {{ ?x bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?partner OPTIONAL {{ ?m org:role ?role }}
     BIND("m" AS ?via) }}
  UNION {{ ?x bdp:implementingUnit ?partner BIND("u" AS ?via) }}
  OPTIONAL {{ ?partner bdp:sector ?sector }}
}}"""
BATCH = 500
IMPLEMENTING_UNIT = ox.NamedNode(PREFIXES["bdp"] + "implementingUnit")


def practices_of(store: Store, organisation: str) -> list[str]:
    """The practices `organisation` took part in (as a partner or the implementing unit), each once (kept
    for the next read of them: its page's list and its network both need them, publisher/read/recent.py)."""
    return remembered(store, ("practices_of", organisation), lambda: _practices_of(store, organisation))


def _practices_of(store: Store, organisation: str) -> list[str]:
    if isinstance(store, DirectStore):          # the same list from the indexes (read.network_quads)
        return network_quads.practices_of(store, organisation)
    rows = store.select(PRACTICES, bindings={"org": ox.NamedNode(organisation)}, limit=10_000_000).rows
    return list(dict.fromkeys(r["x"].value for r in rows))


def people(store: Store, organisation: str) -> list[dict]:
    """The PEOPLE rows of every practice of `organisation`, in the store's order (kept for the other
    language and the next page, publisher/read/recent.py)."""
    return remembered(store, ("people", organisation), lambda: _people(store, organisation))


def _people(store: Store, organisation: str) -> list[dict]:
    practices = practices_of(store, organisation)
    if isinstance(store, DirectStore):
        return network_quads.people(store, practices)
    out: list[dict] = []
    for start in range(0, len(practices), BATCH):
        values = " ".join(term_text(ox.NamedNode(i)) for i in practices[start:start + BATCH])
        out += store.select(PEOPLE.format(values=values), limit=10_000_000).rows
    return out


def roles(store: Store, organisation: str, iris: list[str]) -> dict[str, list[ox.NamedNode]]:
    """The roles `organisation` had in each practice of `iris` (bdp:implementingUnit for the unit): the
    unit first, then its memberships' roles in the store's order (the order its pages have shown)."""
    every = remembered(store, ("roles", organisation), lambda: _roles(store, organisation))
    return {x: every[x] for x in iris if x in every}


def _roles(store: Store, organisation: str) -> dict[str, list[ox.NamedNode]]:
    out: dict[str, list[ox.NamedNode]] = {}
    if isinstance(store, DirectStore):      # the same from the facts the rows are made of
        facts, _ = _members(store, organisation)
        for x, _, units in facts:
            if any(u.value == organisation for u in units):
                out[x] = [IMPLEMENTING_UNIT]
        for x, members, _ in facts:
            for partner, role in members:
                if role is not None and partner.value == organisation and role not in out.setdefault(x, []):
                    out[x].append(role)
        return {x: roles for x, roles in out.items() if roles}
    for via in ("u", "m"):
        for r in people(store, organisation):
            x = r["x"].value
            if r["via"].value != via or r["partner"].value != organisation:
                continue
            role = r.get("role") if via == "m" else IMPLEMENTING_UNIT
            if role is None:
                continue
            found = out.setdefault(x, [])
            if role not in found:
                found.append(role)
    return out


def _members(store: DirectStore, organisation: str
             ) -> tuple[list[tuple[str, list[tuple[Any, Any]], list[Any]]], Callable[[Any], list]]:
    """network_quads.members_of for the practices of `organisation` (kept as people's rows are): what the
    PEOPLE rows hold, read without spreading them into rows."""
    return remembered(store, ("members", organisation),
                      lambda: network_quads.members_of(store, practices_of(store, organisation)))


def member_sectors(store: Store, organisation: str, iris: Collection[str] | None = None) -> dict[str, list[str]]:
    """Practice -> the sectors of its members (by membership; the implementing unit not counted), sorted,
    for every practice of `organisation` (`iris`: for those of them only, from a store in this process:
    the page's, not the hundreds of a big organisation's)."""
    if iris is not None and isinstance(store, DirectStore):
        facts, sectors_of = _members(store, organisation)
        wanted = set(iris)
        return {x: sorted({s.value for partner, _ in members for s in sectors_of(partner)})
                for x, members, _ in facts if x in wanted}

    def compute() -> dict[str, list[str]]:
        found: dict[str, set[str]] = {x: set() for x in practices_of(store, organisation)}
        if isinstance(store, DirectStore):
            facts, sectors_of = _members(store, organisation)
            for x, members, _ in facts:
                for partner, _ in members:
                    found[x].update(s.value for s in sectors_of(partner))
            return {x: sorted(sectors) for x, sectors in found.items()}
        for r in people(store, organisation):
            if r["via"].value == "m" and "sector" in r:
                found[r["x"].value].add(r["sector"].value)
        return {x: sorted(sectors) for x, sectors in found.items()}
    return remembered(store, ("member_sectors", organisation), compute)


def partners(store: Store, organisation: str) -> list[tuple[str, str, int]]:
    """(partner, sector IRI or '', practices shared) of every partner, the most shared first, then by IRI."""
    shared: dict[str, set[str]] = {}
    sectors: dict[str, set[str]] = {}
    if isinstance(store, DirectStore):
        facts, sectors_of = _members(store, organisation)
        for x, members, units in facts:
            for partner in [p for p, _ in members] + units:
                key = partner.value
                if key == organisation:
                    continue
                found = shared.get(key)
                if found is None:       # (a partner's sectors are its own, whichever practice it is met in)
                    shared[key], sectors[key] = {x}, {s.value for s in sectors_of(partner)}
                else:
                    found.add(x)
        return [(p, min(sectors[p], default=""), len(xs))
                for p, xs in sorted(shared.items(), key=lambda item: (-len(item[1]), item[0]))]
    for r in people(store, organisation):
        partner = r["partner"].value
        if partner == organisation:
            continue
        shared.setdefault(partner, set()).add(r["x"].value)
        sectors.setdefault(partner, set())
        if "sector" in r:
            sectors[partner].add(r["sector"].value)
    return [(p, min(sectors[p], default=""), len(xs))
            for p, xs in sorted(shared.items(), key=lambda item: (-len(item[1]), item[0]))]


@dataclass
class Partner:
    iri: str
    sector: str            # the sector concept's IRI ('' when unknown)
    shared: int            # practices in common


@dataclass
class Network:
    centre: str
    partners: list[Partner]
    total: int             # partners in all (only the first MAX_PARTNERS are kept)
    labels: dict[str, list[ox.Triple]]


def partner_network(store: Store, organisation: str, known: Collection[str] = ()) -> Network:
    """The partners of `organisation` with their labels (the same in every language: kept for the next
    page of it, publisher/read/recent.py); the labels of `known` IRIs (the sectors' concepts, which the
    caller has at hand) are not asked for."""
    return remembered(store, ("network", organisation, bool(known)),
                      lambda: _partner_network(store, organisation, known))


def _partner_network(store: Store, organisation: str, known: Collection[str]) -> Network:
    found = [Partner(iri, sector, shared) for iri, sector, shared in partners(store, organisation)]
    kept = found[:MAX_PARTNERS]
    wanted = [i for i in (organisation, *(p.iri for p in kept), *{p.sector for p in kept if p.sector})
              if i not in known]
    if isinstance(store, DirectStore):
        found_labels = network_quads.labels(store, wanted)
    else:
        found_labels = labels(store, wanted)
    return Network(organisation, kept, len(found), found_labels)
