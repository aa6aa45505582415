"""Store backends behind one interface; `open_store(settings)` picks one from the settings."""

from __future__ import annotations

from publisher.config import Settings
from publisher.store.base import Store
from publisher.store.results import AskResult, GraphResult, QueryResult, SelectResult

__all__ = ["AskResult", "GraphResult", "QueryResult", "SelectResult", "Store", "open_store"]


def open_store(settings: Settings) -> Store:
    if settings.store == "remote":
        from publisher.store.remote import RemoteStore

        return RemoteStore(settings)
    from publisher.store.embedded import EmbeddedStore

    return EmbeddedStore.from_settings(settings)
