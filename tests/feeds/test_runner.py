"""The shared connection runner against a real WebSocket server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

from fakes.coinglass_server import FAKE_CG_KEY
from fakes.coinglass_server import FakeCoinGlass, liquidation_frame, wait_for
from fakes.loopback import LoopbackVenue

from engine.backoff import Backoff
from engine.feeds.runner import LiveFeed, WsRunner, WsSpec, channel_field
from engine.settings import FeedSettings


def fast_settings(**overrides) -> FeedSettings:
    values = dict(ping_interval_s=0.05, watchdog_s=5.0, backoff_initial_s=0.01, backoff_max_s=0.05)
    values.update(overrides)
    return FeedSettings(**values)


def spec_for(server: FakeCoinGlass, key: str = FAKE_CG_KEY, **overrides) -> WsSpec:
    values = dict(
        name="coinglass",
        url=lambda: f"{server.ws_url}?cg-api-key={key}",
        messages=lambda op, streams: [json.dumps({"method": op, "channels": streams})] if streams else [],
        app_ping="ping",
        channel=channel_field("channel"),
        auth_error="CoinGlass rejected the API key",
    )
    values.update(overrides)
    return WsSpec(**values)


class Frames:
    """The deliver callback: keeps what the runner handed over."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, str, int]] = []

    def __call__(self, src: str, kind: str, ch: str, raw: str, t: int) -> None:
        self.items.append((src, kind, ch, raw, t))

    def raws(self) -> list[str]:
        return [item[3] for item in self.items]


async def start(runner: WsRunner) -> tuple[LiveFeed, asyncio.Task]:
    feed = LiveFeed(runner.name, [runner])
    return feed, asyncio.get_running_loop().create_task(feed.run())


async def finish(feed: LiveFeed, task: asyncio.Task) -> None:
    await feed.stop()
    await asyncio.wait_for(task, 5)


async def test_connects_subscribes_and_delivers_every_frame_as_received(coinglass):
    frames = Frames()
    runner = WsRunner(spec_for(coinglass), fast_settings(ping_interval_s=20), frames,
                      ["liquidationOrders", "trades@BTC", "trades@ETH"])
    feed, task = await start(runner)
    await wait_for(lambda: len(coinglass.subscriptions) == 1)
    assert coinglass.subscribed() == {"liquidationOrders", "trades@BTC", "trades@ETH"}
    liq = liquidation_frame([{"exName": "Binance", "symbol": "BTCUSDT", "side": 1, "price": 60000,
                              "volUsd": 12000, "time": 1761125802306}])
    await coinglass.push(liq)
    await coinglass.push("garbage {")
    await coinglass.push(b"\xff\xfebinary")
    await wait_for(lambda: "garbage {" in frames.raws() and any("binary" in r for r in frames.raws()))
    delivered = {item[3]: item for item in frames.items}
    src, kind, ch, raw, t = delivered[liq]
    assert (src, kind, ch) == ("coinglass", "ws", "liquidationOrders")
    assert t > 1_700_000_000_000  # receive time in ms
    assert delivered["garbage {"][2] == ""
    state = feed.state()
    assert state.state == "live" and state.reconnects == 0 and state.last_message_age_s is not None
    await finish(feed, task)
    assert feed.state().state == "down" and feed.state().detail == ""


async def test_reconnects_after_a_drop_and_resubscribes_streams_added_at_run_time(coinglass):
    frames = Frames()
    runner = WsRunner(spec_for(coinglass), fast_settings(ping_interval_s=20), frames, ["liquidationOrders", "trades@BTC"])
    feed, task = await start(runner)
    await wait_for(lambda: len(coinglass.subscriptions) == 1)
    runner.assign(["liquidationOrders", "trades@BTC", "trades@SOL"])  # added while connected: only the new one is asked
    await wait_for(lambda: ["trades@SOL"] in coinglass.subscriptions)
    await coinglass.drop()
    await wait_for(lambda: coinglass.connections == 2 and len(coinglass.subscriptions) == 3)
    assert coinglass.subscriptions[-1] == ["liquidationOrders", "trades@BTC", "trades@SOL"]
    state = feed.state()
    assert state.reconnects == 1
    assert state.detail in ("connection lost", "server closed the connection (code 1000)") \
        or state.detail.startswith("server closed")
    await finish(feed, task)


async def test_application_pings_keep_a_quiet_line_alive(coinglass):
    frames = Frames()
    runner = WsRunner(spec_for(coinglass), fast_settings(ping_interval_s=0.05, watchdog_s=0.5), frames, [])
    feed, task = await start(runner)
    await wait_for(lambda: frames.raws().count("pong") >= 3)
    assert coinglass.received.count("ping") >= 3
    assert runner.reconnects == 0 and coinglass.connections == 1
    await finish(feed, task)


async def test_watchdog_reconnects_when_the_server_goes_silent(coinglass):
    frames = Frames()
    runner = WsRunner(spec_for(coinglass), fast_settings(ping_interval_s=0.05, watchdog_s=0.3), frames, [])
    feed, task = await start(runner)
    await wait_for(lambda: "pong" in frames.raws())
    coinglass.silent = True
    await wait_for(lambda: coinglass.connections >= 2)
    assert "no message for 0.3 s" in feed.state().detail
    coinglass.silent = False
    count = frames.raws().count("pong")
    await wait_for(lambda: frames.raws().count("pong") > count)
    assert feed.state().state in ("live", "stale")
    await finish(feed, task)


async def test_old_connections_are_replaced_before_the_venue_cuts_them(coinglass):
    runner = WsRunner(spec_for(coinglass), fast_settings(max_connection_age_s=0.2), Frames(), [])
    feed, task = await start(runner)
    await wait_for(lambda: coinglass.connections >= 2)
    assert "age limit" in feed.state().detail
    await finish(feed, task)


async def test_a_refused_key_stops_the_feed_with_one_line_and_no_secret(coinglass):
    wrong = "wrong-key-0123456789abcdef"
    runner = WsRunner(spec_for(coinglass, key=wrong), fast_settings(), Frames(), ["trades@BTC"])
    feed, task = await start(runner)
    await asyncio.wait_for(task, 5)  # gives up by itself: retrying a bad key helps nobody
    state = feed.state()
    assert feed.fatal and state.state == "down"
    assert state.detail == "CoinGlass rejected the API key"
    assert coinglass.refused == 1
    assert wrong not in repr(state)


async def test_unreachable_host_backs_off_and_keeps_trying_with_the_url_redacted():
    frames = Frames()
    spec = WsSpec(name="coinglass", url=lambda: "ws://127.0.0.1:9/ws-api?cg-api-key=SECRET123")
    runner = WsRunner(spec, fast_settings(), frames, [])
    feed, task = await start(runner)
    await wait_for(lambda: runner.reconnects >= 3)
    state = feed.state()
    assert state.state in ("down", "connecting") and "SECRET123" not in state.detail and state.detail
    await finish(feed, task)


class HangsUpAfterOneMessage(LoopbackVenue):
    """A venue that accepts the socket, says one thing (a plan error, a maintenance notice) and
    closes it again."""

    async def on_open(self, ws) -> None:
        await ws.send('{"error":"websocket is not included in your plan"}')
        await ws.close()

    async def on_text(self, ws, text: str) -> None:
        pass


async def test_a_venue_that_hangs_up_after_one_message_is_retried_ever_more_slowly():
    async with HangsUpAfterOneMessage() as venue:
        spec = WsSpec(name="coinglass", url=lambda: venue.ws_url)
        runner = WsRunner(spec, fast_settings(backoff_initial_s=0.01, backoff_max_s=1.0), Frames(), [])
        feed, task = await start(runner)
        await wait_for(lambda: runner.reconnects >= 4)
        # One message is not a recovered connection: the delays keep growing (a reset after each
        # would reconnect every second for ever, and venues ban clients that do).
        assert runner.backoff.attempt >= 4
        await finish(feed, task)


def test_backoff_doubles_with_jitter_up_to_the_cap_and_resets():
    backoff = Backoff(1.0, 60.0)
    delays = [backoff.next() for _ in range(10)]
    for n, delay in enumerate(delays):
        base = min(60.0, 2.0**n)
        assert base / 2 <= delay <= base
    backoff.reset()
    assert backoff.next() <= 1.0


def test_channel_field_reads_the_stream_name_without_parsing():
    assert channel_field("stream")('{"stream":"btcusdt@trade","data":{}}') == "btcusdt@trade"
    assert channel_field("channel")('{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"}}') == "trades"
    assert channel_field("channel")("pong") == ""


def test_connection_errors_read_as_reasons_not_exception_classes():
    import socket

    import aiohttp

    from engine.feeds.errors import describe

    dns = aiohttp.ClientConnectorError(None, socket.gaierror(-2, "Name or service not known"))  # type: ignore[arg-type]
    assert describe(dns) == "host name not found (DNS)"
    assert describe(ConnectionRefusedError(111, "Connection refused")) == "connection refused"
    assert describe(TimeoutError()) == "timed out"


async def test_a_feed_of_several_sockets_counts_an_outage_once_not_once_per_socket():
    """With no network every socket of a feed redials on its own; the header summed them, so
    Bybit's three sockets read ↻23 against Binance's ↻7 after 90 s for the same outage."""
    spec = WsSpec(name="bybit", url=lambda: "ws://127.0.0.1:9/v5/public/linear")
    runners = [WsRunner(spec, fast_settings(), Frames()) for _ in range(3)]
    feed = LiveFeed("bybit", runners)
    task = asyncio.get_running_loop().create_task(feed.run())
    await wait_for(lambda: min(r.reconnects for r in runners) >= 3)
    state = feed.state()
    assert state.reconnects == max(r.reconnects for r in runners) < sum(r.reconnects for r in runners)
    await finish(feed, task)
