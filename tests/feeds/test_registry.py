"""One venue registry: a venue is its module; the settings, the pipeline's adapters, the live
feeds and the config file all follow from the modules in ``engine/feeds/venues``."""

from __future__ import annotations

import dataclasses
import pkgutil
from pathlib import Path

import yaml

from engine.feeds import venues
from engine.feeds.registry import VENUES, make_adapters
from engine.feeds.venue import Venue
from engine.settings import Settings

CONFIG = Path(__file__).resolve().parents[2] / "config" / "teleglas.yaml"


def test_every_module_of_the_venues_package_is_a_venue_of_the_registry():
    modules = {m.name for m in pkgutil.iter_modules(venues.__path__)}
    assert set(VENUES) == modules
    for name, venue in VENUES.items():
        assert isinstance(venue, Venue) and venue.adapter.name == name
        assert venue.sockets and all(s.limits.topics_per_message > 0 for s in venue.sockets)


def test_the_aggregating_feed_comes_first_then_the_venues_by_name():
    aggregating = [name for name, v in VENUES.items() if v.aggregate]
    assert list(VENUES) == aggregating + sorted(set(VENUES) - set(aggregating))


def test_settings_have_a_block_per_venue_with_its_declared_defaults():
    feeds = Settings().feeds
    assert [f.name for f in dataclasses.fields(feeds)] == list(VENUES)
    for name, venue in VENUES.items():
        block = getattr(feeds, name)
        assert block == venue.settings and block is not venue.settings  # a copy: a change stays in its run


def test_the_config_file_has_a_commented_block_for_every_feed():
    text = CONFIG.read_text(encoding="utf-8")
    in_file = yaml.safe_load(text)["feeds"]
    assert list(in_file) == list(VENUES)
    for name in VENUES:
        line = next(line for line in text.splitlines() if line.startswith(f"  {name}:"))
        assert "#" in line, f"feeds.{name} has no comment saying what the feed is"


def test_the_pipeline_has_an_adapter_for_every_venue():
    assert list(make_adapters()) == list(VENUES)
