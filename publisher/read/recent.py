"""The last few answers of a read, kept beside the store they came from. A page asked in Polish and then in
English (as `bdp export` writes them, and as people switch) needs the same language-free facts twice: an
organisation's partners, its practices' details and roles. Only the embedded store's site handle is
remembered: a read-only snapshot of one finished build, never changed under it (a new build opens a new
store, so nothing outlives the data it was read from). A remote store may change or go down between two
requests, and its pages must say so: its reads are always made. A handful of entries a store, the oldest
dropped first (an organisation's page keeps five or more, all asked again on its other language and
later pages), so memory stays flat."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from publisher.store.embedded import SiteStore

T = TypeVar("T")
KEPT = 32            # answers a store: both languages of the pages being written or read right now

_memos: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def remembered(store: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its value from a recent call with the same `store` and `key`. The value is shared:
    callers only read it."""
    if not isinstance(store, SiteStore):
        return compute()
    memo = _memos.get(store)
    if memo is None:
        with _lock:
            memo = _memos.setdefault(store, {})
    found = memo.get(key, _memos)
    if found is _memos:
        found = compute()
        with _lock:                     # the oldest answers go first: a page's own stay while it is made
            while len(memo) >= KEPT:
                memo.pop(next(iter(memo)), None)
            memo[key] = found
    return found
