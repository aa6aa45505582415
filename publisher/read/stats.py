"""Counts of the dataset, for the landing page, VoID and the catalogue."""

from __future__ import annotations

from publisher.namespaces import sparql_prologue
from publisher.store import Store

COUNTS = sparql_prologue(("bdp", "org")) + """
SELECT
  (COUNT(DISTINCT ?practice) AS ?practices)
  (COUNT(DISTINCT ?organisation) AS ?organisations)
  (COUNT(DISTINCT ?partnership) AS ?partnerships)
WHERE {
  { ?practice a bdp:Practice } UNION { ?organisation a org:Organization }
  UNION { ?partnership a org:OrganizationalCollaboration }
}
"""


def dataset_stats(store: Store) -> dict[str, int]:
    row = store.select(COUNTS).rows[0]
    return {name: int(row[name].value) for name in ("practices", "organisations", "partnerships")}
