"""Sorting text the way its language does: ICU's collation (PyICU, from the pyicu-wheels package), so that
Polish names sort a, ą, b, c, ć, …, l, ł, …, s, ś, …, z, ź, ż and case does not split the list. One
collator per language, made once (ICU collators are not safe to share between threads: one per thread)."""

from __future__ import annotations

import threading

import icu

_local = threading.local()


def sort_key(text: str, lang: str = "pl") -> bytes:
    """A key that sorts `text` in `lang`'s alphabetical order (Polish rules for any unknown language)."""
    collators = getattr(_local, "collators", None)
    if collators is None:
        collators = _local.collators = {}
    collator = collators.get(lang)
    if collator is None:
        collator = collators[lang] = icu.Collator.createInstance(icu.Locale(lang if lang in ("pl", "en") else "pl"))
    return collator.getSortKey(text)
