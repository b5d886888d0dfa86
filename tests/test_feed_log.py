"""The log's account of the feeds (engine.feed_log): one WARNING per outage, however many retries;
one INFO line when the feed is back.  Headless and the monitor's log both get it from the service."""

from __future__ import annotations

import asyncio
import logging

from fakes.coinglass_server import FAKE_CG_KEY, wait_for
from fakes.loopback import closed_port

from engine.feed_log import FeedLog
from engine.feeds.registry import VENUES
from engine.secrets import Secrets
from engine.service import Service
from engine.settings import load_settings
from engine.snapshot import FeedState


def state(name: str, status: str, reconnects: int = 0, detail: str = "", age: float | None = None) -> FeedState:
    return FeedState(name, status, age, reconnects, 0, 0, 0, detail)


def lines(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "teleglas.feeds"]


def test_a_retry_storm_is_one_warning_and_coming_back_one_info_line(caplog):
    now = [0.0]
    feed_log = FeedLog(clock=lambda: now[0])
    caplog.set_level(logging.INFO, "teleglas.feeds")
    feed_log.note([state("binance", "connecting")])
    for attempt in range(1, 40):  # no network: down, connecting, down ... every backoff step
        now[0] += 3
        feed_log.note([state("binance", "down", attempt, "host name not found (DNS)")])
        feed_log.note([state("binance", "connecting", attempt)])
    now[0] += 3
    feed_log.note([state("binance", "live", 40)])
    feed_log.note([state("binance", "live", 40)])
    assert lines(caplog) == [
        ("INFO", "feed binance: connecting"),
        ("WARNING", "feed binance: down (host name not found (DNS); retrying)"),
        ("INFO", "feed binance: live again after 1m57s down (39 reconnects)"),
    ]


def test_an_outage_seen_only_as_a_rising_reconnect_count_is_still_logged(caplog):
    """Each look may land on the next attempt (connecting) rather than on the pause between
    attempts (down): the count says it failed meanwhile."""
    feed_log = FeedLog(clock=lambda: 0.0)
    caplog.set_level(logging.INFO, "teleglas.feeds")
    feed_log.note([state("bybit", "connecting")])
    feed_log.note([state("bybit", "connecting", 3, "timed out opening the connection")])
    feed_log.note([state("bybit", "connecting", 5, "timed out opening the connection")])
    assert lines(caplog) == [("INFO", "feed bybit: connecting"),
                             ("WARNING", "feed bybit: down (timed out opening the connection; retrying)")]


def test_a_quiet_feed_is_one_warning_saying_how_long(caplog):
    feed_log = FeedLog(clock=lambda: 0.0)
    caplog.set_level(logging.INFO, "teleglas.feeds")
    feed_log.note([state("okx", "live")])
    feed_log.note([state("okx", "stale", age=31.0)])
    feed_log.note([state("okx", "stale", age=32.0)])
    assert lines(caplog) == [("INFO", "feed okx: live"), ("WARNING", "feed okx: stale (no message for 31s)")]


async def test_a_feed_that_cannot_connect_is_logged_once_by_the_service_and_a_clean_stop_is_no_outage(coinglass,
                                                                                                         caplog):
    """A real service; the fake CoinGlass answers REST (the listing the socket waits for) and its
    socket's port refuses every connection, retried every few milliseconds."""
    settings = load_settings(None, environ={})
    for name in VENUES:
        getattr(settings.feeds, name).enabled = name == "coinglass"
    port = closed_port()
    feed = settings.feeds.coinglass
    feed.ws_url, feed.rest_url = f"ws://127.0.0.1:{port}/ws", coinglass.rest_url
    feed.backoff_initial_s, feed.backoff_max_s = 0.01, 0.02
    caplog.set_level(logging.INFO, "teleglas.feeds")
    svc = Service(settings, Secrets(coinglass_api_key=FAKE_CG_KEY), data_dir=None, sinks=[])
    task = asyncio.create_task(svc.run())
    await wait_for(lambda: any(level == "WARNING" for level, _ in lines(caplog)))
    retries = svc.feed_states()[0].reconnects
    await wait_for(lambda: svc.feed_states()[0].reconnects >= retries + 20)  # the storm goes on, unlogged
    await asyncio.sleep(0.2)  # past the service's next look at the feeds: nothing new to say
    await svc.stop()
    await asyncio.wait_for(task, 5)
    logged = lines(caplog)
    assert [level for level, _ in logged] == ["INFO", "WARNING"], logged
    assert logged[1][1].startswith("feed coinglass: down (") and logged[1][1].endswith("; retrying)")
