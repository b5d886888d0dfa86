"""A BitMEX stand-in on 127.0.0.1: the realtime WebSocket and ``/api/v1/instrument/active``,
speaking the protocol BitMEX's WebSocket API page describes.

- ``/realtime``: a welcome (``info``, ``limit``) on connecting; ``{"op": "subscribe", "args":
  [...]}`` answered one ``{"success": true, "subscribe": topic, "request": ...}`` per topic; a topic
  naming a symbol BitMEX does not list is answered ``{"status": 400, "error": ..., "request":
  ...}`` (and when one message carries several topics, the others are still subscribed);
  ``liquidation`` is sent its ``partial`` (open liquidation orders) and ``trade:<symbol>`` its
  recent trades as a ``partial`` right after subscribing; the text ``ping`` is answered ``pong``.
- REST: ``/api/v1/instrument/active`` (a plain list).
"""

from __future__ import annotations

import json

from aiohttp import web
from websockets.asyncio.server import ServerConnection

from fakes.venue_servers import FakeVenue


def liquidation(action: str, rows: list[dict]) -> str:
    return json.dumps({"table": "liquidation", "action": action, "data": rows})


def trades(rows: list[dict], action: str = "insert") -> str:
    return json.dumps({"table": "trade", "action": action, "data": rows})


def instrument(symbol: str, **terms: object) -> dict:
    row = {"symbol": symbol, "typ": "FFWCSX", "state": "Open", "underlying": symbol.removesuffix("USDT").removesuffix("USD"),
           "quoteCurrency": "USDT" if symbol.endswith("USDT") else "USD", "fundingRate": 0.0001,
           "fundingInterval": "2000-01-01T08:00:00.000Z", "timestamp": "2026-12-07T10:00:00.000Z"}
    row.update(terms)
    return row


class FakeBitmex(FakeVenue):
    feed = "bitmex"
    ws_path = "/realtime"

    def __init__(self) -> None:
        super().__init__()
        self.pings = 0
        self.refusals = 0
        self.open_liquidations: list[dict] = [  # what the liquidation partial lists
            {"orderID": "old-1", "symbol": "XBTUSD", "side": "Sell", "price": 80100, "leavesQty": 5000}]
        self.instruments = [
            instrument("XBTUSD", multiplier=-100000000, settlCurrency="XBt", isInverse=True, isQuanto=False,
                       markPrice=80000, openInterest=500000000),
            instrument("XBTUSDT", multiplier=1, settlCurrency="USDt", underlyingToPositionMultiplier=1000000,
                       isInverse=False, isQuanto=False, markPrice=80010, openInterest=2000000000,
                       fundingRate=0.0002),
            instrument("ETHUSD", multiplier=100, settlCurrency="XBt", isInverse=False, isQuanto=True,
                       markPrice=2600, openInterest=1000000, fundingInterval="2000-01-01T04:00:00.000Z"),
            instrument("XBTZ26", typ="FFCCSX", multiplier=-100000000, settlCurrency="XBt", isInverse=True,
                       markPrice=81000, openInterest=1000),  # a dated future: not a perpetual
        ]

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        await ws.send(json.dumps({"info": "Welcome to the BitMEX Realtime API.", "version": "2.0.0",
                                  "timestamp": "2026-12-07T10:00:00.000Z", "docs": "https://www.bitmex.com/app/wsAPI",
                                  "limit": {"remaining": 39}}))

    def _serves(self, topic: str) -> bool:
        table, _, symbol = topic.partition(":")
        if table == "liquidation":
            return True
        return table == "trade" and any(i["symbol"] == symbol for i in self.instruments)

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        if text == "ping":
            self.pings += 1
            await ws.send("pong")
            return
        body = json.loads(text)
        op, args = body.get("op"), body.get("args", [])
        for topic in args if isinstance(args, list) else [args]:
            request = {"op": op, "args": [topic]}
            if op == "subscribe" and not self._serves(topic):
                self.refusals += 1
                await ws.send(json.dumps({"status": 400, "error": f"Unknown or expired symbol: {topic}", "meta": {},
                                          "request": request}))
                continue
            if op == "subscribe":
                self.streams[ws].add(topic)
                await ws.send(json.dumps({"success": True, "subscribe": topic, "request": request}))
                if topic == "liquidation":
                    await ws.send(liquidation("partial", self.open_liquidations))
                else:
                    await ws.send(trades([{"timestamp": "2026-12-07T09:59:59.000Z", "symbol": topic[6:],
                                           "side": "Buy", "size": 100, "price": 80000}], action="partial"))
            else:
                self.streams[ws].discard(topic)
                await ws.send(json.dumps({"success": True, "unsubscribe": topic, "request": request}))

    def stream_of(self, frame: dict) -> str | None:
        if frame.get("table") == "liquidation":
            return "liquidation"
        return f"trade:{frame['data'][0]['symbol']}"

    def endpoints(self) -> dict:
        return {"/api/v1/instrument/active": lambda request: web.json_response(self.instruments)}
