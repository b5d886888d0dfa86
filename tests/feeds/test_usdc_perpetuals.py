"""A USDC- or USD-margined perpetual is its coin (issue 21 item 4): watching SOL sees SOLUSDC's
liquidations, on every venue and in recordings; the flow table never shows SOLUSDC, BONKUSD or
KAITOUS as coins of their own."""

from __future__ import annotations

import json

import pytest

from engine.backtest import run_backtest
from engine.feeds.registry import make_adapters
from engine.feeds.venues.okx import INSTRUMENTS_PATH
from engine.model import LONG, Liquidation
from engine.recording import RecordingWriter
from engine.settings import Settings
from fakes.realdata import live_frame
from fakes.venue_servers import running, start_feed, wait_for

def binance_liquidation(symbol: str) -> str:
    frame = json.loads(live_frame("binance", "forceOrder 2026"))
    frame["data"]["o"]["s"] = symbol
    return json.dumps(frame)


def bybit_liquidation(symbol: str) -> str:
    frame = json.loads('{"topic":"allLiquidation.X","type":"snapshot","ts":1791565603204,'
                       '"data":[{"T":1791565602929,"s":"X","S":"Buy","v":"20","p":"150.5"}]}')
    frame["topic"], frame["data"][0]["s"] = f"allLiquidation.{symbol}", symbol
    return json.dumps(frame)


def okx_liquidation(inst_id: str) -> str:
    frame = json.loads(live_frame("okx", "liquidation-orders 2026"))
    frame["data"][0]["instId"] = inst_id
    return json.dumps(frame)


def coinglass_liquidation(symbol: str) -> str:
    return json.dumps({"channel": "liquidationOrders", "data": [
        {"baseAsset": symbol.removesuffix("USDT"), "exName": "Binance", "price": 150.5, "side": 1, "symbol": symbol,
         "time": 1766846169268, "volUsd": 663.4}]})


OKX_USDC = {"instType": "SWAP", "instId": "SOL-USDC-SWAP", "ctVal": "1", "ctMult": "1", "ctValCcy": "SOL",
            "ctType": "linear", "settleCcy": "USDC", "state": "live"}


@pytest.mark.parametrize(("venue", "frame"), [
    ("binance", binance_liquidation("SOLUSDC")),  # Binance's USDC-margined perpetual, on !forceOrder@arr
    ("bybit", bybit_liquidation("SOLPERP")),  # Bybit's USDC perpetual
    ("bybit", bybit_liquidation("SOLUSDC")),
    ("okx", okx_liquidation("SOL-USDC-SWAP")),
    ("coinglass", coinglass_liquidation("SOLUSDC")),
    ("coinglass", coinglass_liquidation("SOLUSDCUSDT")),  # the real windows' framing of Binance's SOLUSDC
])
def test_a_usdc_perpetuals_liquidation_is_its_coins(venue, frame):
    adapter = make_adapters()[venue]
    if venue == "okx":
        adapter.parse_rest(f"{INSTRUMENTS_PATH}?instType=SWAP", json.dumps({"code": "0", "data": [OKX_USDC]}), 0)
    events, rejects = adapter.parse_ws(frame, 0)
    assert rejects == [] and [(type(e), e.coin) for e in events] == [(Liquidation, "SOL")]


async def test_bybit_subscribes_the_liquidations_of_its_usdc_perpetuals_too(bybit):
    bybit.tickers.append({"symbol": "SOLPERP", "openInterestValue": "2000000", "fundingRate": "0.0001"})
    bybit.tickers.append({"symbol": "SOLUSDT", "openInterestValue": "9000000", "fundingRate": "0.0001"})
    feed, got = start_feed(bybit, ["SOL"])
    async with running(feed):
        await wait_for(lambda: {"allLiquidation.SOLPERP", "allLiquidation.SOLUSDT", "publicTrade.SOLUSDT"}
                       <= bybit.all_subscribed())
        assert "publicTrade.SOLPERP" not in bybit.all_subscribed()  # trades and context: one contract a coin
        await bybit.push(bybit_liquidation("SOLPERP"))
        await wait_for(lambda: got.of(Liquidation))
    assert [(e.coin, e.side) for e in got.of(Liquidation)] == [("SOL", LONG)]
    assert [c.oi_usd for c in got.events if getattr(c, "oi_usd", None) and c.coin == "SOL"] == [9000000.0]


def test_a_recording_sums_a_coins_usdc_and_usdt_contracts(tmp_path):
    """The real windows (``../shared/realdata/windows``) frame Binance's SOLUSDC as CoinGlass
    ``SOLUSDCUSDT``: lines of that shape (constructed) replay as SOL, one coin."""
    path = tmp_path / "windows-style.jsonl"
    writer = RecordingWriter(path, ["coinglass"])
    for i, symbol in enumerate(("SOLUSDT", "SOLUSDCUSDT", "1000BONKUSDCUSDT", "KAITOUSDCUSDT")):
        writer.write(1766846169268 + i, "coinglass", "ws", "liquidationOrders", coinglass_liquidation(symbol))
    writer.close()
    result = run_backtest([path], Settings())
    assert sorted(result.engine.markets) == ["BONK", "KAITO", "SOL"]
    assert result.summary()["by_venue"]["coinglass"]["liquidations"]["count"] == 4
