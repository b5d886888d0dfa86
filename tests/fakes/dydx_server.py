"""A dYdX v4 indexer stand-in on 127.0.0.1: its WebSocket and ``/v4/perpetualMarkets``.

What it does is what the indexer's socks service does (dydxprotocol/v4-chain, read, not copied):

- ``/v4/ws`` greets with ``{"type": "connected", "connection_id": ..., "message_id": 0}``; every
  frame it sends carries the connection's next ``message_id``.
- ``{"type": "subscribe", "channel": "v4_trades", "id": "BTC-USD", "batched": bool}``, one a
  message, answered ``subscribed`` with the market's latest trades (``recent``: the initial
  response replays them, after every reconnect too); ``unsubscribe`` answered ``unsubscribed``.
- Refusals are ``{"type": "error", "message": ...}`` with no request id: an id it does not list,
  the 33rd ``v4_trades`` subscription of a connection (``Per-connection subscription limit
  reached``), a market already subscribed; a third subscribe of one market within a second closes
  the connection (1008), as the indexer's rate limiter does.
- :meth:`FakeDydx.trades` sends a market's trades as ``channel_data`` to its unbatched
  subscribers and as ``channel_batch_data`` (contents a list) to its batched ones.
- It pings every ``ping_every_s`` (30 s there; off unless set) and closes a connection whose pong
  is ``pong_timeout_s`` late (10 s there).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from aiohttp import web
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from fakes.venue_servers import TS, FakeVenue

CHANNEL = "v4_trades"


def iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def trade(n: int, side: str = "BUY", price: str = "61800", size: str = "0.5", kind: str = "LIMIT", ms: int = TS) -> dict:
    return {"id": f"{n:024x}", "side": side, "size": size, "price": price, "type": kind, "createdAt": iso(ms),
            "createdAtHeight": str(64_000_000 + n)}


def market(ticker: str, oracle: str, oi: str, funding: str, status: str = "ACTIVE") -> dict:
    return {"ticker": ticker, "status": status, "oraclePrice": oracle, "openInterest": oi, "nextFundingRate": funding,
            "marketType": "CROSS", "atomicResolution": -9, "stepSize": "0.001", "tickSize": "0.1"}


class FakeDydx(FakeVenue):
    feed = "dydx"
    ws_path = "/v4/ws"
    MAX_TRADES_SUBSCRIPTIONS = 32  # V4_TRADES_CHANNEL_LIMIT
    SUBSCRIBES_PER_MARKET_S = 2  # RATE_LIMIT_SUBSCRIBE_POINTS a second, per connection, channel and id

    def __init__(self) -> None:
        super().__init__()
        self.markets = {m["ticker"]: m for m in (
            market("BTC-USD", "61800", "650.5", "0.0000125"),
            market("ETH-USD", "2600.5", "15000", "-0.00000625"),
            market("PEPE-USD", "0.0000091", "2000000000000", "0.00005"),
            market("LUNA-USD", "0.31", "0", "0", status="FINAL_SETTLEMENT"),
        )}
        self.recent: dict[str, list[dict]] = {}  # market -> the latest trades its subscription opens with
        self.batched: dict[ServerConnection, set[str]] = {}
        self.refusals: list[str] = []
        self.rate_closes = 0
        self.pongs = 0
        self.ping_every_s: float | None = None
        self.pong_timeout_s = 10.0
        self._ids: dict[ServerConnection, tuple[str, int]] = {}  # connection id, last message id
        self._asked: dict[tuple[ServerConnection, str], list[float]] = {}

    def add_markets(self, count: int) -> None:
        for n in range(count):
            ticker = f"M{n:03d}-USD"
            self.markets[ticker] = market(ticker, "1.5", "1000", "0.00001")

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        self.batched[ws] = set()
        self._ids[ws] = (str(uuid.uuid4()), -1)
        await self._send(ws, {"type": "connected"})
        if self.ping_every_s is not None:
            asyncio.get_running_loop().create_task(self._ping(ws))

    async def _ping(self, ws: ServerConnection) -> None:
        try:
            while True:
                await asyncio.sleep(self.ping_every_s)  # type: ignore[arg-type]
                try:
                    await asyncio.wait_for(await ws.ping(), self.pong_timeout_s)
                except TimeoutError:
                    await ws.close()
                    return
                self.pongs += 1
        except ConnectionClosed:
            pass

    async def _send(self, ws: ServerConnection, body: dict) -> None:
        connection_id, last = self._ids[ws]
        self._ids[ws] = (connection_id, last + 1)
        try:
            await ws.send(json.dumps({"type": body.pop("type"), "connection_id": connection_id, "message_id": last + 1,
                                      **body}))
        except ConnectionClosed:
            pass

    async def _refuse(self, ws: ServerConnection, why: str, **where: str) -> None:
        self.refusals.append(why)
        await self._send(ws, {"type": "error", "message": why, **where})

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        try:
            body = json.loads(text)
            kind, channel, ticker = body["type"], body.get("channel"), body.get("id")
        except (ValueError, KeyError, TypeError):
            await self._refuse(ws, f"Invalid message: could not parse: {text[:50]}")
            return
        subscribed = self.streams[ws]
        if kind == "unsubscribe":
            subscribed.discard(ticker)
            self.batched[ws].discard(ticker)
            await self._send(ws, {"type": "unsubscribed", "channel": channel, "id": ticker})
            return
        if kind != "subscribe" or channel != CHANNEL:
            await self._refuse(ws, f"Invalid message: {text[:50]}")
            return
        if ticker not in self.markets:
            await self._refuse(ws, f"Invalid subscription id for channel: ({channel}-{ticker})")
            return
        if len(subscribed) + 1 > self.MAX_TRADES_SUBSCRIPTIONS:
            await self._refuse(ws, f"Per-connection subscription limit reached for {channel} "
                                   f"(limit={self.MAX_TRADES_SUBSCRIPTIONS}).")
            return
        now = time.monotonic()
        asked = [t for t in self._asked.get((ws, ticker), []) if now - t < 1.0] + [now]
        self._asked[(ws, ticker)] = asked
        if len(asked) > self.SUBSCRIBES_PER_MARKET_S:
            self.rate_closes += 1
            await self._refuse(ws, f"Too many subscribe attempts for channel {channel}-{ticker}. Please  reconnect "
                                   "and try again.")
            await ws.close(1008, json.dumps({"message": "Rate limited"}))
            return
        if ticker in subscribed:
            await self._refuse(ws, f"Invalid subscribe message: already subscribed ({channel}-{ticker})",
                               channel=channel, id=ticker)
            return
        subscribed.add(ticker)
        if body.get("batched"):
            self.batched[ws].add(ticker)
        await self._send(ws, {"type": "subscribed", "channel": channel, "id": ticker,
                              "contents": {"trades": list(self.recent.get(ticker, []))}})

    async def trades(self, ticker: str, *items: dict) -> None:
        """The market's new trades, to each subscriber as it subscribed (batched or not)."""
        for ws in list(self.clients):
            if ticker not in self.streams.get(ws, ()):
                continue
            if ticker in self.batched[ws]:
                await self._send(ws, {"type": "channel_batch_data", "id": ticker, "channel": CHANNEL, "version": "2.1.0",
                                      "contents": [{"trades": list(items)}]})
            else:
                await self._send(ws, {"type": "channel_data", "id": ticker, "channel": CHANNEL, "version": "2.1.0",
                                      "contents": {"trades": list(items)}})

    def subscribed_as(self, batched: bool) -> set[str]:
        """Markets subscribed on any connection, batched or unbatched."""
        return {t for ws in self.clients for t in self.streams[ws] if (t in self.batched[ws]) == batched}

    def stream_of(self, frame: dict) -> str | None:
        return frame.get("id")

    def endpoints(self) -> dict:
        return {"/v4/perpetualMarkets": lambda request: web.json_response({"markets": self.markets})}
