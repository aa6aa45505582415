"""A list's order by date (read.practice_list.Ordered.order: newest first, recently updated) collates only
the titles of practices whose dates are tied: the same order as sorting every practice by title first and
then, stably, by date. Checked on lists built to have many ties (dates, titles, titles equal but for
case and accents, missing titles and dates) in both languages."""

from __future__ import annotations

import random

import pytest

from publisher.collation import sort_key
from publisher.read.practice_list import Ordered


def _by_title_then_date(ordered: Ordered, sort: str, lang: str) -> list[str]:
    """The order as it was made before: every title collated, then a stable sort by date."""
    def title_key(iri: str) -> bytes:
        titles = ordered.rows[iri][0]
        return sort_key(titles.get(lang) or titles.get("pl") or next(iter(titles.values()), ""), lang)

    iris = sorted(ordered.rows, key=title_key)
    if sort == "newest":
        iris.sort(key=lambda i: ordered.rows[i][1], reverse=True)
    elif sort == "updated":
        iris.sort(key=lambda i: ordered.rows[i][2] or ordered.rows[i][1], reverse=True)
    return iris


def _list(seed: int, size: int) -> Ordered:
    pick = random.Random(seed)
    titles = ["Żłobek", "żłobek", "Zlobek", "Ala", "ala", "Łąka", "Laka", "", "Ćma", "cma"]
    dates = ["", "2020-01-01", "2020-01-02", "2021-05-05", "2019-12-31"]
    rows: dict[str, tuple[dict[str, str], str, str]] = {}
    for n in range(size):
        chosen = {lang: pick.choice(titles) for lang in ("pl", "en") if pick.random() < 0.7}
        rows[f"http://example.org/id/practice/{pick.randrange(10**6)}-{n}"] = (
            chosen, pick.choice(dates), pick.choice(dates))
    return Ordered(rows)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sort", ["newest", "updated", "title"])
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_the_order_by_date_collates_only_ties_and_is_the_same(seed, sort, lang):
    ordered = _list(seed, [0, 1, 2, 40, 300, 1000][seed])
    assert ordered.order(sort, lang) == _by_title_then_date(ordered, sort, lang)
