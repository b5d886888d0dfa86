"""The service in process: live against a fake CoinGlass on 127.0.0.1, recording, replay."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import gzip
import json
import logging
from pathlib import Path

import pytest
from fakes.coinglass_server import FAKE_CG_KEY
from fakes.coinglass_server import liquidation_frame, trade_frame, wait_for

from engine.core import Engine
from engine.feeds import live
from engine.feeds.registry import VENUES
from engine.feeds.runner import LiveFeed, WsRunner, WsSpec
from engine.model import STOP_HUNT, Signal
from engine.pipeline import Pipeline
from engine.recording import Record, read_records, write_recording
from engine.secrets import Secrets
from engine.service import Service, ServiceError
from engine.settings import Settings, load_settings
from engine.snapshot import SinkState

T0 = 1_761_125_802_000


class Capture:
    """A sink that keeps every signal change as it was handed over."""

    name = "capture"

    def __init__(self) -> None:
        self.changes: list[tuple] = []
        self.events = 0
        self.started = self.stopped = False

    async def start(self, service: Service) -> None:
        self.started = True

    def on_signals(self, signals: list[Signal]) -> None:
        self.changes += [(s.change, s.id, s.revision, round(s.strength, 2)) for s in signals]

    def on_events(self, events: list) -> None:
        self.events += len(events)

    def state(self) -> SinkState:
        return SinkState("ok")

    async def stop(self) -> None:
        self.stopped = True

    def new(self, signal_type: str) -> list[str]:
        return [c[1] for c in self.changes if c[0] == "new" and signal_type in c[1]]


def offline_settings() -> Settings:
    settings = load_settings(None, environ={})
    for name, venue in VENUES.items():  # the key-less venues would go out to the internet
        getattr(settings.feeds, name).enabled = venue.aggregate
    return settings


def live_settings(server) -> Settings:
    settings = offline_settings()
    s = settings.feeds.coinglass
    s.ws_url, s.rest_url, s.exchanges = server.ws_url, server.rest_url, ["Binance"]
    s.backoff_initial_s, s.backoff_max_s, s.requests_per_minute = 0.01, 0.05, 60_000
    settings.watchlist.coins = ["BTC", "FET"]
    return settings


def cascade(coin: str = "FET", start: int = T0) -> list[str]:
    """Three long liquidations of a tier-3 coin, $80k in 2 s: a stop hunt (1.6x the threshold: strength 80)."""
    return [liquidation_frame([{"exName": "Binance", "symbol": f"{coin}USDT", "side": 1, "price": price,
                                "volUsd": usd, "time": start + i * 1000}])
            for i, (price, usd) in enumerate([(0.2450, 30_000), ("0.2431", "30000"), (0.2420, 20_000)])]


def replay_offline(path, settings: Settings) -> list[tuple]:
    """A fresh engine and pipeline over a recording: the changes it reports, as Capture keeps them."""
    pipeline = Pipeline(Engine(settings))
    changes = []
    for r in read_records(path):
        changes += [(s.change, s.id, s.revision, round(s.strength, 2))
                    for s in pipeline.feed(r.src, r.kind, r.ch, r.raw, r.t)]
    return changes


async def test_live_run_recorded_then_replayed_gives_the_same_signals(coinglass, tmp_path):
    settings = live_settings(coinglass)
    path = tmp_path / "live.jsonl.gz"
    capture = Capture()
    svc = Service(settings, Secrets(coinglass_api_key=FAKE_CG_KEY), data_dir=None, record=path, sinks=[capture])
    task = asyncio.create_task(svc.run())
    await wait_for(lambda: coinglass.streaming() and len(coinglass.rest_requests) >= 5)  # pairs, OI and funding
    await coinglass.push(trade_frame("Binance", "FETUSDT", 10000, [
        {"exName": "Binance", "symbol": "FETUSDT", "side": 2, "price": 0.2455, "volUsd": 12000, "time": T0 - 500}]))
    for frame in cascade():
        await coinglass.push(frame)
    await coinglass.push("{garbage")
    await wait_for(lambda: capture.new(STOP_HUNT))
    snap = svc.snapshot()
    assert snap.mode == "LIVE" and snap.speed is None and snap.rejected == 1
    assert [(f.name, f.state) for f in snap.feeds] == [("coinglass", "live")]
    assert snap.feeds[0].events >= 4 and snap.engine.events >= 4
    await svc.stop()
    await asyncio.wait_for(task, 5)
    assert capture.started and capture.stopped

    records = list(read_records(path))
    assert {(r.src, r.kind) for r in records} == {("coinglass", "ws"), ("coinglass", "rest")}
    assert "{garbage" in [r.raw for r in records]  # bad frames are recorded too
    assert FAKE_CG_KEY not in gzip.decompress(path.read_bytes()).decode()
    assert replay_offline(path, settings) == capture.changes

    again = Capture()
    replay = Service(settings, Secrets(), data_dir=None, replay=path, speed=0, sinks=[again])
    await asyncio.wait_for(replay.run(), 10)  # ends by itself at the end of the file
    # The same changes, then the replay's end resolves the outcomes still open.
    live = len(capture.changes)
    assert again.changes[:live] == capture.changes and again.stopped
    assert {c[0] for c in again.changes[live:]} == {"outcome"}
    assert replay.snapshot().feeds[0].state == "done"


async def test_a_coin_added_at_run_time_is_subscribed_and_polled(coinglass):
    svc = Service(live_settings(coinglass), Secrets(coinglass_api_key=FAKE_CG_KEY), data_dir=None, sinks=[])
    task = asyncio.create_task(svc.run())
    await wait_for(coinglass.streaming)
    svc.coins.add("DOGE")
    await wait_for(lambda: "futures_trades@Binance_DOGEUSDT@10000" in coinglass.subscribed())
    await wait_for(lambda: any("symbol=DOGE" in r for r in coinglass.rest_requests))
    await coinglass.drop()
    subscribed_before = len(coinglass.subscriptions)
    await wait_for(lambda: coinglass.connections == 2 and len(coinglass.subscriptions) == subscribed_before + 4)
    assert coinglass.subscriptions[-3:] == [[f"futures_trades@Binance_{c}USDT@10000"] for c in ("BTC", "DOGE", "FET")]
    await svc.stop()
    await asyncio.wait_for(task, 5)


async def test_a_coin_removed_at_run_time_is_unsubscribed(coinglass):
    """Without it the removed coin's large trades kept streaming in until the next reconnect
    (a day, on a healthy line)."""
    svc = Service(live_settings(coinglass), Secrets(coinglass_api_key=FAKE_CG_KEY), data_dir=None, sinks=[])
    task = asyncio.create_task(svc.run())
    await wait_for(coinglass.streaming)
    svc.coins.remove("FET")
    await wait_for(lambda: coinglass.unsubscriptions == [["futures_trades@Binance_FETUSDT@10000"]])
    await svc.stop()
    await asyncio.wait_for(task, 5)


async def test_with_coinglass_the_venue_feeds_leave_liquidations_to_it(coinglass, monkeypatch):
    asked = {}
    real_start = live.start

    def start(venue, feed, coins, deliver, poll_interval_s):
        if venue.name != "binance":
            return real_start(venue, feed, coins, deliver, poll_interval_s)
        asked["liquidations"] = feed.liquidations
        spec = WsSpec(name="binance", url=lambda: f"{coinglass.ws_url}?cg-api-key={FAKE_CG_KEY}")
        return LiveFeed("binance", [WsRunner(spec, feed.settings, deliver)])

    monkeypatch.setattr(live, "start", start)
    settings = live_settings(coinglass)
    settings.feeds.binance.enabled = True
    svc = Service(settings, Secrets(coinglass_api_key=FAKE_CG_KEY), data_dir=None, sinks=[])
    task = asyncio.create_task(svc.run())
    await wait_for(lambda: "liquidationOrders" in coinglass.subscribed() and coinglass.connections == 2)
    assert asked == {"liquidations": False} and [f.name for f in svc.feeds] == ["coinglass", "binance"]
    await svc.stop()
    await asyncio.wait_for(task, 5)

    keyless = Service(settings, Secrets(), data_dir=None, sinks=[])
    task = asyncio.create_task(keyless.run())
    await wait_for(lambda: keyless.feeds)
    assert asked == {"liquidations": True} and [f.name for f in keyless.feeds] == ["binance"]
    assert keyless.notes == ["CoinGlass is off: COINGLASS_API_KEY is not set"]
    await keyless.stop()
    await asyncio.wait_for(task, 5)


async def test_a_rejected_key_ends_the_service_with_one_line(coinglass):
    svc = Service(live_settings(coinglass), Secrets(coinglass_api_key="not-the-key-123"), data_dir=None, sinks=[])
    await asyncio.wait_for(svc.run(), 5)
    assert svc.failure == "CoinGlass rejected the API key"
    assert svc.snapshot().feeds[0].state == "down"


async def test_no_feed_to_run_is_a_clear_start_up_error():
    svc = Service(offline_settings(), Secrets(), data_dir=None, sinks=[])
    with pytest.raises(ServiceError, match="CoinGlass needs COINGLASS_API_KEY"):
        await svc.run()
    settings = offline_settings()
    settings.feeds.coinglass.enabled = False
    with pytest.raises(ServiceError, match="every feed is disabled"):
        await Service(settings, Secrets(), data_dir=None, sinks=[]).run()


def stop_hunt_recording(path) -> None:
    write_recording(path, ["coinglass"], "test", [
        Record(T0 + i * 1000, "coinglass", "ws", "liquidationOrders", frame) for i, frame in enumerate(cascade())])


async def test_a_looping_replay_starts_each_pass_on_a_fresh_engine_with_the_scorer_state(tmp_path):
    path = tmp_path / "hunt.jsonl"
    stop_hunt_recording(path)
    capture = Capture()
    svc = Service(offline_settings(), Secrets(), data_dir=None, replay=path, speed=0, loop=True, sinks=[capture])
    task = asyncio.create_task(svc.run())
    await wait_for(lambda: len(capture.new(STOP_HUNT)) >= 3)
    await svc.stop()
    await asyncio.wait_for(task, 5)
    ids = capture.new(STOP_HUNT)
    assert len(set(ids)) == len(ids)  # each pass is a new episode, not a late duplicate
    assert ids[1].startswith("p1-") and ids[2].startswith("p2-")
    snap = svc.snapshot()
    assert snap.mode == "REPLAY" and snap.speed == 0 and snap.feeds[0].reconnects >= 2
    assert snap.engine.signals_seq >= 3  # sequence numbers carry on across passes
    assert snap.feeds[0].frames >= 9  # counts too


async def test_the_replay_speed_can_change_while_playing(tmp_path):
    path = tmp_path / "slow.jsonl"
    # An hour of recording between the first and the second frame.
    write_recording(path, ["coinglass"], "test", [
        Record(T0, "coinglass", "ws", "liquidationOrders", cascade()[0]),
        Record(T0 + 3_600_000, "coinglass", "ws", "liquidationOrders", cascade()[1])])
    svc = Service(offline_settings(), Secrets(), data_dir=None, replay=path, speed=1, sinks=[])
    task = asyncio.create_task(svc.run())
    await wait_for(lambda: svc.snapshot().engine.events == 1)
    svc.speed = 0
    await asyncio.wait_for(task, 5)
    assert svc.snapshot().engine.events == 2


async def test_a_failing_sink_does_not_stop_the_data_and_is_logged_once(tmp_path, caplog):
    class Broken(Capture):
        name = "broken"

        def on_signals(self, signals):
            raise RuntimeError("bug in a sink")

    path = tmp_path / "hunt.jsonl"
    stop_hunt_recording(path)
    capture = Capture()
    svc = Service(offline_settings(), Secrets(), data_dir=None, replay=path, speed=0, loop=True,
                  sinks=[Broken(), capture])
    with caplog.at_level(logging.ERROR, logger="teleglas.service"):
        task = asyncio.create_task(svc.run())
        await wait_for(lambda: len(capture.new(STOP_HUNT)) >= 2)
        await svc.stop()
        await asyncio.wait_for(task, 5)
    assert [r.getMessage() for r in caplog.records].count(
        "sink broken failed in on_signals (further failures are counted, not logged)") == 1


async def test_pause_and_resume_alerts_are_the_coin_registry_state():
    svc = Service(offline_settings(), Secrets(), data_dir=None, sinks=[])
    svc.pause_alerts()
    assert svc.paused and svc.coins.paused and svc.snapshot().paused
    svc.resume_alerts()
    assert not svc.paused
    assert json.dumps(svc.stats())  # plain data


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (every write fails with ENOSPC)")
async def test_a_full_disk_stops_the_recording_not_the_market_data(coinglass, caplog):
    """Weeks of --record can fill a small VPS's disk: the recording stops with one logged line;
    the sockets stay up and signals keep coming."""
    capture = Capture()
    svc = Service(live_settings(coinglass), Secrets(coinglass_api_key=FAKE_CG_KEY), data_dir=None,
                  record=Path("/dev/full"), sinks=[capture])
    with caplog.at_level(logging.ERROR, logger="teleglas.service"):
        task = asyncio.create_task(svc.run())
        await wait_for(coinglass.streaming)
        await coinglass.push("x" * 100_000)  # more than any write buffer holds: the write itself fails
        for frame in cascade():
            await coinglass.push(frame)
        await wait_for(lambda: capture.new(STOP_HUNT))
        await svc.stop()
        await asyncio.wait_for(task, 5)
    assert coinglass.connections == 1 and svc.snapshot().feeds[0].reconnects == 0
    assert capture.stopped  # the sinks still saved their state at the end
    assert [r.getMessage() for r in caplog.records] == [
        "recording stopped: cannot write /dev/full: No space left on device"]


class UnansweringPeer:
    """A WebSocket server whose host went dark after the handshake: it reads, never answers
    (not even a close frame), and notes when each client's close frame came and when each
    connection went away."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/"

    async def stop(self) -> None:
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode()
        key = next(line.split(":", 1)[1].strip() for line in request.split("\r\n")
                   if line.lower().startswith("sec-websocket-key"))
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        self.connections += 1
        number = self.connections
        try:
            while chunk := await reader.read(65536):
                if chunk[0] == 0x88:  # FIN + close opcode: the client is closing
                    self.events.append(("close frame", number))
        except ConnectionError:
            pass
        self.events.append(("gone", number))
        writer.close()


async def test_stopping_closes_every_socket_at_once_not_one_after_another(monkeypatch):
    """A peer that went dark makes each close wait for its timeout: waited one socket after
    another, quitting on a dead network took that timeout times the number of sockets."""
    monkeypatch.setattr("engine.feeds.runner._CLOSE_TIMEOUT_S", 0.3)
    peer = UnansweringPeer()
    await peer.start()

    def two_sockets(venue, feed, coins, deliver, poll_interval_s):
        spec = WsSpec(name=venue.name, url=lambda: peer.url)
        return LiveFeed(venue.name, [WsRunner(spec, feed.settings, deliver), WsRunner(spec, feed.settings, deliver)])

    monkeypatch.setattr(live, "start", two_sockets)
    settings = offline_settings()
    settings.feeds.binance.enabled = settings.feeds.bybit.enabled = True
    settings.feeds.binance.ping_interval_s = 0
    svc = Service(settings, Secrets(), data_dir=None, sinks=[])
    task = asyncio.create_task(svc.run())
    await wait_for(lambda: peer.connections == 4)
    await svc.stop()
    await asyncio.wait_for(task, 5)
    await wait_for(lambda: len(peer.events) == 8)
    first_gone = [kind for kind, _ in peer.events].index("gone")
    assert first_gone == 4, peer.events  # all four were closing before the first one was given up
    await peer.stop()
