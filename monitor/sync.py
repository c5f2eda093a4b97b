"""The configuration's companies and sources into the store, before anything reads them.

Apart from the collection so that commands which only read (`monitor status`) do not load
the HTTP client and the collectors to do it.
"""

from __future__ import annotations

from monitor.config import Config
from monitor.store import Store


def sync_sources(config: Config, store: Store) -> None:
    """Companies and sources from the configuration into the store."""
    store.sync_config(
        [
            (
                company.name,
                company is config.organization,
                [
                    (s.kind, s.target, s.label, int(config.interval_for(s).total_seconds()))
                    for s in config.sources_of(company)
                ],
            )
            for company in config.companies
        ]
    )
