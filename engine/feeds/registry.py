"""Every venue, found once: each module of :mod:`engine.feeds.venues` that declares a ``VENUE``.

Adding a venue is adding its module there (with its settings block in ``config/teleglas.yaml``,
its fake server and its tests): the settings, the pipeline's adapters, the live feeds and the
recording's ``src`` names all come from here.  Order: the aggregating feeds first (CoinGlass),
then the venues by name; the header and the feed plan follow it.
"""

from __future__ import annotations

import importlib
import pkgutil

from engine.feeds import venues as _package
from engine.feeds.adapter import Adapter
from engine.feeds.venue import Venue


def _discover() -> dict[str, Venue]:
    found: list[Venue] = []
    for module in pkgutil.iter_modules(_package.__path__):
        venue = getattr(importlib.import_module(f"{_package.__name__}.{module.name}"), "VENUE", None)
        if isinstance(venue, Venue):
            found.append(venue)
    found.sort(key=lambda v: (not v.aggregate, v.name))
    return {v.name: v for v in found}


VENUES: dict[str, Venue] = _discover()


def make_adapters() -> dict[str, Adapter]:
    """Fresh adapters (some keep state learned from REST bodies, so one set per run)."""
    return {name: venue.adapter() for name, venue in VENUES.items()}
