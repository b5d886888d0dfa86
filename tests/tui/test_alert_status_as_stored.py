"""What a signal says about Telegram is what happened when it was decided, in the signals pane,
the signal detail, the database and the bell: pausing, resuming, muting and unmuting afterwards
rewrite nothing, and a signal the coin cooldown refused reads ``cooldown`` and rings no bell.

The real app on a real Service with a real SQLite file and a fake Bot API on 127.0.0.1; the
market comes in as CoinGlass liquidation frames through the service's own frame path (pipeline,
then ``Service.emit``), after a one-frame replay that holds the screen open.
"""

from __future__ import annotations

import sqlite3

import orjson
from fakes.telegram_kit import CHAT, secrets, telegram_settings
from tui_harness import FrozenApp, until

from engine.recording import Record, write_recording
from engine.service import Service
from engine.store import db_path
from teleglas_tui.signal_detail_screen import signal_text
from teleglas_tui.signal_feed import SignalFeed

SIZE = (160, 48)
T0 = 1_761_125_892_000
LONG_LIQUIDATED, SHORT_LIQUIDATED = 1, 2  # CoinGlass's side codes


class RingingApp(FrozenApp):
    """The frozen app, counting the terminal bells it rings."""

    rings = 0

    def bell(self) -> None:
        self.rings += 1


def frame(t_ms: int, coin: str, side: int, usd: float, price: float) -> str:
    return orjson.dumps({"channel": "liquidationOrders", "data": [
        {"baseAsset": coin, "exName": "Binance", "price": price, "side": side, "symbol": f"{coin}USDT",
         "time": t_ms, "volUsd": usd}]}).decode()


def cascade(service: Service, t_ms: int, coin: str, side: int, usd: float, price: float) -> None:
    raw = frame(t_ms, coin, side, usd, price)
    service.emit(service.pipeline.feed("coinglass", "ws", "liquidationOrders", raw, t_ms))


def make(tmp_path, telegram) -> RingingApp:
    recording = tmp_path / "quiet.jsonl"
    write_recording(recording, ["coinglass"], "one small liquidation", [
        Record(T0, "coinglass", "ws", "liquidationOrders", frame(T0, "ETH", LONG_LIQUIDATED, 120.0, 3_456.7))])
    s = telegram_settings(telegram.url, in_replay=True)
    service = Service(s, secrets(CHAT), data_dir=tmp_path, replay=recording, speed=0.0, hold=True)
    return RingingApp(service, s)


async def started(pilot) -> Service:
    service = pilot.app.service
    await until(pilot, service.ended.is_set)
    return service


def rows(pilot) -> dict[str, str]:
    """The signals pane by coin and direction: the alert status it shows."""
    screen = pilot.app.screen
    screen.refresh_panes()
    feed = screen.query_one(SignalFeed)
    shown = {}
    for signal, i in zip(feed.shown, range(len(feed.rows))):
        text = "".join(t for t, _ in feed.row_at(i))
        shown[f"{signal.coin} {signal.direction}"] = next(
            status for status in ("sent", "paused", "muted", "cooldown") if f" {status} " in text)
    return shown


def stored(tmp_path) -> dict[str, str]:
    with sqlite3.connect(db_path(tmp_path, replay=True)) as db:
        return {f"{coin} {direction}": alert for coin, direction, alert in
                db.execute("SELECT coin, direction, alert FROM signals")}


async def flushed(pilot) -> None:
    await pilot.app.service.sinks[-1].store.flush()


async def quit(pilot) -> None:
    """``q``: the service stops (sinks flushed and closed) before the app leaves."""
    await pilot.press("q")
    await until(pilot, lambda: not pilot.app.is_running)


async def test_pausing_rewrites_no_sent_row_and_resuming_no_paused_one(telegram, tmp_path):
    app = make(tmp_path, telegram)
    async with app.run_test(size=SIZE) as pilot:
        service = await started(pilot)
        cascade(service, T0 + 10_000, "DOGE", LONG_LIQUIDATED, 300_000.0, 0.1612)
        await until(pilot, lambda: len(telegram.sent()) == 1)
        await pilot.press("P")
        cascade(service, T0 + 20_000, "BTC", LONG_LIQUIDATED, 2_500_000.0, 96_200.0)
        assert rows(pilot) == {"DOGE long": "sent", "BTC long": "paused"}
        await pilot.press("P")  # resumed: the signal that fired while paused still says so
        assert not service.paused
        assert rows(pilot) == {"DOGE long": "sent", "BTC long": "paused"}
        await flushed(pilot)
        assert stored(tmp_path) == {"DOGE long": "sent", "BTC long": "paused"}
        btc = next(s for s in service.snapshot().engine.signals if s.coin == "BTC")
        assert "Telegram: not sent · paused: all alerts were paused" in signal_text(btc, 900)
        await quit(pilot)
    assert ["DOGEUSDT" in m.text for m in telegram.sent()] == [True]


async def test_muting_and_unmuting_a_coin_rewrites_none_of_its_rows(telegram, tmp_path):
    app = make(tmp_path, telegram)
    async with app.run_test(size=SIZE) as pilot:
        service = await started(pilot)
        cascade(service, T0 + 10_000, "DOGE", LONG_LIQUIDATED, 300_000.0, 0.1612)
        await until(pilot, lambda: len(telegram.sent()) == 1)
        telegram.user_message(CHAT, "/mute DOGE 30m")  # from the phone: the same mute the screen shows
        await until(pilot, lambda: service.coins.setting("DOGE").muted_until_ms is not None)
        cascade(service, T0 + 80_000, "DOGE", SHORT_LIQUIDATED, 700_000.0, 0.1650)  # past the merge window
        assert rows(pilot) == {"DOGE long": "sent", "DOGE short": "muted"}
        telegram.user_message(CHAT, "/unmute DOGE")
        await until(pilot, lambda: service.coins.setting("DOGE").muted_until_ms is None)
        assert rows(pilot) == {"DOGE long": "sent", "DOGE short": "muted"}
        await flushed(pilot)
        assert stored(tmp_path) == {"DOGE long": "sent", "DOGE short": "muted"}
        await quit(pilot)
    assert sum("DOGEUSDT" in m.text for m in telegram.sent()) == 1


async def test_a_signal_the_coin_cooldown_refused_reads_cooldown_and_rings_no_bell(telegram, tmp_path):
    """Both cascades are URGENT (3x DOGE's threshold and more): only the one sent rings."""
    app = make(tmp_path, telegram)
    async with app.run_test(size=SIZE) as pilot:
        service = await started(pilot)
        cascade(service, T0 + 10_000, "DOGE", LONG_LIQUIDATED, 700_000.0, 0.1612)
        await until(pilot, lambda: len(telegram.sent()) == 1)
        cascade(service, T0 + 80_000, "DOGE", SHORT_LIQUIDATED, 800_000.0, 0.1650)
        assert rows(pilot) == {"DOGE long": "sent", "DOGE short": "cooldown"}
        assert {s.priority for s in service.snapshot().engine.signals} == {"URGENT"}
        await pilot.pause()
        assert app.rings == 1
        await flushed(pilot)
        assert stored(tmp_path) == {"DOGE long": "sent", "DOGE short": "cooldown"}
        await quit(pilot)
