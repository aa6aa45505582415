"""Store backends behind one interface; `open_store(settings)` picks one from the settings.

The names are loaded on first use (PEP 562), so that the query worker (`python -m publisher.store.worker`,
which imports this package first) starts without rdflib and the result types it never uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from publisher.config import Settings
    from publisher.store.base import Store
    from publisher.store.results import AskResult, GraphResult, QueryResult, SelectResult

__all__ = ["AskResult", "GraphResult", "QueryResult", "SelectResult", "Store", "open_store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from publisher.store import base

        return base.Store
    if name in __all__ and name != "open_store":
        from publisher.store import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(settings: Settings) -> Store:
    if settings.store == "remote":
        from publisher.store.remote import RemoteStore

        return RemoteStore(settings)
    from publisher.store.embedded import EmbeddedStore

    return EmbeddedStore.from_settings(settings)
