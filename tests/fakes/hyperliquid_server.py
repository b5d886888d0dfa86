"""A Hyperliquid stand-in on 127.0.0.1: its WebSocket and the ``POST /info`` the feed asks.

- ``/ws`` greets every connection with the text ``Websocket connection established.`` (the Python
  SDK skips it), takes ``{"method": "subscribe" | "unsubscribe", "subscription": {"type": "trades",
  "coin": ...}}`` one subscription a message, answers ``subscriptionResponse`` echoing it, then
  sends the coin's latest trades (a subscription opens with them, as tardis-node's mapper shows by
  skipping that first batch), and again after every reconnect.  ``{"method": "ping"}`` is answered
  ``{"channel": "pong"}``.  Refusals come as ``{"channel": "error", "data": ...}`` with no request
  id: ``Already subscribed: {...}`` (seen in a client's log), an unknown coin, more than
  ``MAX_SUBSCRIPTIONS`` (1,000 per IP) — the texts of the last two are constructed.  Like the
  real one it closes a connection it sent nothing on for ``idle_close_s`` (60 s there; off unless
  set), and counts messages over ``MAX_MESSAGES_PER_MIN``.
- ``POST /info`` with ``{"type": "metaAndAssetCtxs"}`` answers ``[meta, contexts]``; another type
  or a body that is not JSON is answered HTTP 422 (constructed: the status Hyperliquid's
  deserialiser gives); a GET is refused with 405, as POST is the only method there.
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web
from websockets.asyncio.server import ServerConnection

from fakes.venue_servers import TS, FakeVenue

GREETING = "Websocket connection established."


def trade(coin: str, tid: int, side: str = "B", px: str = "61800.0", sz: str = "0.5", time_ms: int = TS) -> dict:
    return {"coin": coin, "side": side, "px": px, "sz": sz, "time": time_ms,
            "hash": "0x" + f"{tid:064x}", "tid": tid, "users": ["0x" + "a" * 40, "0x" + "b" * 40]}


class FakeHyperliquid(FakeVenue):
    feed = "hyperliquid"
    ws_path = "/ws"
    MAX_SUBSCRIPTIONS = 1000
    MAX_MESSAGES_PER_MIN = 2000

    def __init__(self) -> None:
        super().__init__()
        self.pings = 0
        self.refusals: list[str] = []
        self.rate_violations = 0
        self.idle_close_s: float | None = None
        self.idle_closes = 0
        self.info_types: list[str] = []
        self._sent: dict[ServerConnection, float] = {}  # when the server last sent on each connection
        self._heard: list[float] = []  # client messages of the last minute
        self.universe = [{"szDecimals": 5, "name": "BTC", "maxLeverage": 40, "marginTableId": 56},
                         {"szDecimals": 4, "name": "ETH", "maxLeverage": 25, "marginTableId": 55},
                         {"szDecimals": 0, "name": "kPEPE", "maxLeverage": 10, "marginTableId": 52},
                         {"szDecimals": 1, "name": "MATIC", "maxLeverage": 20, "marginTableId": 20, "isDelisted": True}]
        self.contexts = [
            {"funding": "0.0000125", "openInterest": "30000.5", "markPx": "61800.0", "oraclePx": "61790.0"},
            {"funding": "-0.00000625", "openInterest": "900000", "markPx": "2600.5", "oraclePx": "2600.0"},
            {"funding": "0.00005", "openInterest": "5000000000", "markPx": "0.0081", "oraclePx": "0.0081"},
            {"funding": "0.0", "openInterest": "0.0", "markPx": "0.3764", "oraclePx": "0.3764"},
        ]
        self.recent: dict[str, list[dict]] = {}  # coin -> the latest trades a subscription opens with

    def listed(self, coin: str) -> bool:
        return any(a["name"] == coin and not a.get("isDelisted") for a in self.universe)

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        await self._send(ws, GREETING)
        asyncio.get_running_loop().create_task(self._close_when_idle(ws))

    async def _send(self, ws: ServerConnection, text: str) -> None:
        self._sent[ws] = time.monotonic()
        await ws.send(text)

    async def _close_when_idle(self, ws: ServerConnection) -> None:
        while ws in self.clients:
            await asyncio.sleep(0.01)
            limit = self.idle_close_s
            if limit is not None and time.monotonic() - self._sent.get(ws, 0.0) > limit:
                self.idle_closes += 1
                await ws.close()
                break
        self._sent.pop(ws, None)

    async def push(self, frame: str) -> None:
        for ws in list(self.clients):
            self._sent[ws] = time.monotonic()
        await super().push(frame)

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        now = time.monotonic()
        self._heard = [t for t in self._heard if now - t < 60.0] + [now]
        if len(self._heard) > self.MAX_MESSAGES_PER_MIN:
            self.rate_violations += 1
        try:
            body = json.loads(text)
            method = body["method"]
        except (ValueError, KeyError, TypeError):
            await self._refuse(ws, f"Error parsing JSON into valid websocket request: {text[:100]}")
            return
        if method == "ping":
            self.pings += 1
            await self._send(ws, json.dumps({"channel": "pong"}))
            return
        subscription = body.get("subscription")
        if not isinstance(subscription, dict) or method not in ("subscribe", "unsubscribe"):
            await self._refuse(ws, f"Invalid request: {text[:100]}")
            return
        shown = json.dumps(subscription, separators=(",", ":"))
        key = f"{subscription.get('type')}:{subscription.get('coin')}"
        streams = self.streams[ws]
        if method == "unsubscribe":
            streams.discard(key)
        elif key in streams:
            await self._refuse(ws, f"Already subscribed: {shown}")
            return
        elif subscription.get("type") != "trades" or not self.listed(str(subscription.get("coin"))):
            await self._refuse(ws, f"Invalid subscription {shown}")
            return
        elif sum(len(s) for s in self.streams.values()) >= self.MAX_SUBSCRIPTIONS:
            await self._refuse(ws, f"Cannot track more than {self.MAX_SUBSCRIPTIONS} total subscriptions")
            return
        else:
            streams.add(key)
        await self._send(ws, json.dumps({"channel": "subscriptionResponse",
                                         "data": {"method": method, "subscription": subscription}}))
        latest = self.recent.get(str(subscription.get("coin")))
        if method == "subscribe" and latest:
            await self._send(ws, json.dumps({"channel": "trades", "data": latest}))

    async def _refuse(self, ws: ServerConnection, why: str) -> None:
        self.refusals.append(why)
        await self._send(ws, json.dumps({"channel": "error", "data": why}))

    def stream_of(self, frame: dict) -> str | None:
        return f"trades:{frame['data'][0]['coin']}" if frame.get("channel") == "trades" else None

    def endpoints(self) -> dict:
        return {"/info": lambda request: web.Response(status=405, text="Method Not Allowed")}

    def post_routes(self) -> dict:
        return {"/info": self._info}

    async def _info(self, request: web.Request) -> web.Response:
        self.rest_requests.append(f"POST {request.path_qs}")
        try:
            kind = json.loads(await request.text())["type"]
        except (ValueError, KeyError, TypeError):
            kind = None
        self.info_types.append(str(kind))
        if kind != "metaAndAssetCtxs":
            return web.Response(status=422, text="Failed to deserialize the JSON body into the target type")
        meta = {"universe": self.universe, "marginTables": [], "collateralToken": 0}
        return web.json_response([meta, self.contexts])
