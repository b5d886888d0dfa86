"""A Bitget v3 (UTA) stand-in on 127.0.0.1: the public WebSocket and the REST endpoints the feed
polls, speaking the protocol as Bitget's docs and published probes describe it.

- ``/v3/ws/public``: ``{"op": "subscribe", "args": [{"instType": ..., "topic": ..., "symbol": ...}]}``
  answered one ``{"event": "subscribe", "arg": ..., "connId": ...}`` per arg; a ``publicTrade``
  subscription is first sent the recent history (``action`` ``snapshot``); a symbol the tickers do
  not list (or one of ``without_feed``) is refused v3-style, the arg only inside ``msg``; text
  ``ping`` is answered ``pong``.
- Limits, as Bitget enforces them: a frame of more than ``MAX_ARGS`` args closes the connection
  without a word (a probe saw 25 do it; 10 is the documented safe size); more than 10 messages in
  a second closes it; silence from the client for ``idle_close_s`` closes it (120 s there; off
  unless set).
- REST: ``/api/v3/market/tickers?category=USDT-FUTURES`` and ``/api/v3/market/current-fund-rate``.
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web
from websockets.asyncio.server import ServerConnection

from fakes.venue_servers import TS, FakeVenue


def liquidation(symbol: str, side: str, price: str, amount: str, ts: int, inst_type: str = "usdt-futures") -> str:
    """A ``liquidation`` push in the docs' shape."""
    return json.dumps({"data": [{"symbol": symbol, "side": side, "price": price, "amount": amount, "ts": str(ts)}],
                       "arg": {"instType": inst_type, "topic": "liquidation"}, "action": "update", "ts": ts})


def trades(symbol: str, rows: list[tuple[str, str, str, int]], action: str = "update") -> str:
    """A ``publicTrade`` push: rows of (taker side, price, size in the coin, time)."""
    data = [{"i": str(1485683898127761410 + n), "p": p, "v": v, "S": side, "T": str(t),
             "L": str(1485683898127761411 + n), "isRPI": "no"} for n, (side, p, v, t) in enumerate(rows)]
    return json.dumps({"action": action, "arg": {"instType": "usdt-futures", "topic": "publicTrade", "symbol": symbol},
                       "data": data, "ts": rows[-1][3] + 2 if rows else TS})


class FakeBitget(FakeVenue):
    feed = "bitget"
    ws_path = "/v3/ws/public"
    MAX_ARGS = 10
    MAX_MESSAGES_PER_S = 10
    FAMILIES = ("usdt-futures", "usdc-futures", "coin-futures")

    def __init__(self) -> None:
        super().__init__()
        self.pings = 0
        self.refusals = 0
        self.oversized = 0  # frames with too many args (the connection was closed for each)
        self.rate_violations = 0
        self.idle_close_s: float | None = None
        self.idle_closes = 0
        self.without_feed: set[str] = set()  # listed symbols whose publicTrade is refused anyway
        self._heard: dict[ServerConnection, float] = {}
        self._sent_at: dict[ServerConnection, list[float]] = {}
        self.tickers = [  # shape of GET /api/v3/market/tickers?category=USDT-FUTURES (Bitget UTA docs)
            {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "lastPrice": "80810.6", "markPrice": "80814.7",
             "indexPrice": "80852.148", "fundingRate": "0.000051", "openInterest": "32117.3965",
             "deliveryStartTime": "", "deliveryTime": "", "deliveryStatus": ""},
            {"category": "USDT-FUTURES", "symbol": "ETHUSDT", "markPrice": "2600.5", "fundingRate": "-0.00002",
             "openInterest": "410000", "deliveryTime": ""},
            {"category": "USDT-FUTURES", "symbol": "BTCUSDT0327", "markPrice": "81500", "openInterest": "120",
             "deliveryTime": "1774598400000"},  # a delivery contract: not BTC's perpetual
        ]
        self.funding = {"BTCUSDT": ("0.000051", "8"), "ETHUSDT": ("-0.00002", "4")}

    def listed(self, symbol: str) -> bool:
        return any(t["symbol"] == symbol for t in self.tickers) and symbol not in self.without_feed

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        self._heard[ws] = time.monotonic()
        self._sent_at[ws] = []
        asyncio.get_running_loop().create_task(self._close_when_idle(ws))

    async def _close_when_idle(self, ws: ServerConnection) -> None:
        while ws in self.clients:
            await asyncio.sleep(0.01)
            if self.idle_close_s is not None and time.monotonic() - self._heard[ws] > self.idle_close_s:
                self.idle_closes += 1
                await ws.close(1000, "no ping")
                break

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        now = time.monotonic()
        self._heard[ws] = now
        recent = [t for t in self._sent_at[ws] if now - t < 1.0] + [now]
        self._sent_at[ws] = recent
        if len(recent) > self.MAX_MESSAGES_PER_S:
            self.rate_violations += 1
            ws.transport.abort()
            return
        if text == "ping":
            self.pings += 1
            await ws.send("pong")
            return
        body = json.loads(text)
        op, args = body.get("op"), body.get("args", [])
        if len(args) > self.MAX_ARGS:
            self.oversized += 1
            ws.transport.abort()  # closed with no error event (code 1006 at the client)
            return
        for arg in args:
            key = self.key(arg)
            if op == "subscribe" and not self._serves(arg):
                self.refusals += 1
                shown = json.dumps({"instType": arg.get("instType"), "symbol": arg.get("symbol"), "topic": arg.get("topic")},
                                   separators=(",", ":"))
                await ws.send(json.dumps({"event": "error", "code": 30001, "msg": f"{shown} doesn't exist",
                                          "connId": f"c{self.connections}"}))
                continue
            if op == "subscribe":
                self.streams[ws].add(key)
            else:
                self.streams[ws].discard(key)
            await ws.send(json.dumps({"event": op, "arg": arg, "connId": f"c{self.connections}"}))
            if op == "subscribe" and arg.get("topic") == "publicTrade":  # the recent history comes first
                await ws.send(trades(arg["symbol"], [("buy", "80000.0", "1", TS - 60_000)], action="snapshot"))

    def _serves(self, arg: dict) -> bool:
        if arg.get("topic") == "liquidation":
            return arg.get("instType") in self.FAMILIES and "symbol" not in arg
        return arg.get("topic") == "publicTrade" and arg.get("instType") == "usdt-futures" and self.listed(arg.get("symbol"))

    @staticmethod
    def key(arg: dict) -> str:
        """The stream a subscription arg stands for, named as the feed names it."""
        if arg.get("topic") == "liquidation":
            return f"liquidation:{arg.get('instType')}"
        return f"{arg.get('topic')}:{arg.get('symbol')}"

    def stream_of(self, frame: dict) -> str | None:
        return self.key(frame["arg"])

    def endpoints(self) -> dict:
        return {"/api/v3/market/tickers": self._tickers, "/api/v3/market/current-fund-rate": self._funding}

    @staticmethod
    def _ok(data: list) -> web.Response:
        return web.json_response({"code": "00000", "msg": "success", "requestTime": TS + 5, "data": data})

    def _tickers(self, request: web.Request) -> web.Response:
        if request.query.get("category") != "USDT-FUTURES":
            return self._ok([])
        return self._ok(self.tickers)

    def _funding(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        if symbol not in self.funding:
            return web.json_response({"code": "40034", "msg": "Parameter symbol does not exist",
                                      "requestTime": TS + 6, "data": None}, status=400)
        rate, interval = self.funding[symbol]
        return self._ok([{"symbol": symbol, "fundingRate": rate, "fundingRateInterval": interval,
                          "nextUpdate": str(TS + 3_600_000), "minFundingRate": "-0.003", "maxFundingRate": "0.003"}])
