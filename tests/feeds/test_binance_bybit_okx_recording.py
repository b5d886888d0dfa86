"""A live recording of the three key-less venues replays to the same signals (the recorder keeps
the REST bodies too, so replay rebuilds the listings, OKX contract values and the context)."""

from __future__ import annotations

import asyncio
import json

from engine.backtest import run_backtest
from engine.recording import read_header, read_records
from engine.secrets import Secrets
from engine.service import Service
from engine.snapshot import SinkState
from fakes.realdata import binance_force_order_frames, example
from fakes.venue_servers import fast_settings, okx_arg, wait_for


class SignalLog:
    """A sink that keeps a copy of every signal change."""

    name = "signal-log"

    def __init__(self) -> None:
        self.signals: list[dict] = []

    async def start(self, service: Service) -> None:
        pass

    def on_signals(self, signals: list) -> None:
        self.signals += [signal.as_dict() for signal in signals]

    def on_events(self, events: list) -> None:
        pass

    def state(self) -> SinkState:
        return SinkState("ok")

    async def stop(self) -> None:
        pass


async def test_recording_of_the_free_venues_replays_to_the_same_signals(binance, bybit, okx, tmp_path):
    settings = fast_settings(binance=binance, bybit=bybit, okx=okx)
    settings.watchlist.coins = ["BTC", "LTC"]
    bybit.tickers.append({"symbol": "LTCUSDT", "openInterestValue": "90000000", "fundingRate": "0.0001"})
    recording = tmp_path / "venues.jsonl.gz"
    live_log = SignalLog()
    live = Service(settings, Secrets(), data_dir=tmp_path, record=recording, sinks=[live_log])
    running = asyncio.get_running_loop().create_task(live.run())
    await wait_for(lambda: "!forceOrder@arr" in binance.all_subscribed()
                   and "publicTrade.LTCUSDT" in bybit.all_subscribed()
                   and okx_arg("trades", instId="BTC-USDT-SWAP") in okx.all_subscribed())
    frames = [(binance, raw) for raw, _ in binance_force_order_frames()]
    frames += [(bybit, json.dumps(example("allLiquidation.PIPPINUSDT"))),
               (bybit, json.dumps(example("publicTrade.LTCUSDT"))),
               (okx, json.dumps(example("trades BTC-USDT-SWAP")))]
    for fake, raw in frames:
        await fake.push(raw)
    counters = live.pipeline.counters
    # Pushed events plus context: Binance funding of its 3 symbols and BTC's OI (LTC is not listed
    # there), Bybit's 4 tickers, OKX's BTC OI and funding.
    await wait_for(lambda: counters["binance"].events >= 474 + 4 and counters["bybit"].events >= 2 + 4
                   and counters["okx"].events >= 1 + 2)
    await live.stop()
    await running
    assert live_log.signals and live.failure == ""
    assert sorted(read_header(recording)["sources"]) == ["binance", "bybit", "okx"]
    assert {r.kind for r in read_records(recording)} == {"ws", "rest"}

    replay_log = SignalLog()
    replay = Service(settings, Secrets(), data_dir=tmp_path, replay=recording, speed=0, sinks=[replay_log])
    await asyncio.wait_for(replay.run(), 10)
    # The same changes, then the replay's end resolves the outcomes still open.
    live = len(live_log.signals)
    assert replay_log.signals[:live] == live_log.signals
    assert all(s["outcome"]["result"] != "PENDING" for s in replay_log.signals[live:])
    assert sum(c.events for c in replay.pipeline.counters.values()) == sum(c.events for c in counters.values())
    assert sum(c.rejected for c in replay.pipeline.counters.values()) == 0

    # backtest --json's by_venue: what each feed's liquidations and trades were worth.
    by_venue = run_backtest([recording], settings).summary()["by_venue"]
    rows = [row for _, row in binance_force_order_frames()]
    longs = sum(float(r["usd_value"]) for r in rows if r["side"] == "SELL")
    assert by_venue["binance"]["liquidations"]["count"] == 474 and by_venue["binance"]["trades"]["count"] == 0
    assert abs(by_venue["binance"]["liquidations"]["long_usd"] - longs) < 0.01
    assert by_venue["bybit"] == {"liquidations": {"count": 1, "long_usd": 0.0, "short_usd": round(2846 * 0.02456, 2)},
                                 "trades": {"count": 1, "usd": round(0.4 * 94.53, 2)}}
    assert by_venue["okx"]["trades"] == {"count": 1, "usd": round(5 * 0.01 * 48938.5, 2)}
    assert "coinglass" not in by_venue  # a feed that sent nothing is left out
