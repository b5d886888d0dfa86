"""A Gate USDT-futures v4 stand-in on 127.0.0.1: the futures WebSocket and the contracts list,
speaking the protocol Gate's futures WebSocket v4 docs describe.

- ``/v4/ws/usdt``: ``{"time", "channel", "event": "subscribe"|"unsubscribe", "payload": [...],
  "id"}`` answered ``{"time", "time_ms", "channel", "event", "id", "result": {"status": "success"}}``;
  a payload naming a contract Gate does not list (or one of ``without_feed``) is answered with
  ``error`` code 2 and ``status: failed``, and the whole message is refused (as a bad argument
  fails the request); ``futures.public_liquidates`` takes ``!all``; a message naming channels it
  cannot parse is an error too.  ``{"channel": "futures.ping"}`` is answered ``futures.pong``;
  the server pings every 50 ms (Gate pings and drops a client that does not answer) and counts
  the client's pongs.
- REST: ``/api/v4/futures/usdt/contracts`` (a plain list).
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from fakes.venue_servers import TS, FakeVenue


def liquidations(rows: list[tuple[str, str, object, int]]) -> str:
    """A ``futures.public_liquidates`` push: rows of (contract, price, signed size, time in ms)."""
    return json.dumps({"channel": "futures.public_liquidates", "event": "update", "time": TS // 1000,
                       "time_ms": TS, "result": [{"price": p, "size": s, "time": t, "contract": c}
                                                 for c, p, s, t in rows]})


def trades(contract: str, rows: list[tuple[object, str, int]]) -> str:
    """A ``futures.trades`` push: rows of (signed size, price, time in ms)."""
    return json.dumps({"channel": "futures.trades", "event": "update", "time": TS // 1000, "time_ms": TS,
                       "result": [{"size": s, "id": 27753479 + n, "create_time": t // 1000, "create_time_ms": t,
                                   "price": p, "contract": contract} for n, (s, p, t) in enumerate(rows)]})


class FakeGate(FakeVenue):
    feed = "gate"
    ws_path = "/v4/ws/usdt"

    def __init__(self) -> None:
        super().__init__()
        self.pongs = 0
        self.app_pings = 0
        self.refusals = 0
        self.without_feed: set[str] = set()
        self.contracts = [  # shape of GET /api/v4/futures/usdt/contracts (Gate APIv4 docs), fields read
            {"name": "BTC_USDT", "type": "direct", "quanto_multiplier": "0.0001", "mark_price": "80000",
             "funding_rate": "0.0001", "funding_interval": 28800, "position_size": 5223816, "in_delisting": False},
            {"name": "PEPE_USDT", "type": "direct", "quanto_multiplier": "10000000", "mark_price": "0.0000112",
             "funding_rate": "-0.0002", "funding_interval": 14400, "position_size": 880000, "in_delisting": False},
            {"name": "OLD_USDT", "type": "direct", "quanto_multiplier": "1", "mark_price": "0.5",
             "funding_rate": "0", "funding_interval": 28800, "position_size": 10, "in_delisting": True},
        ]

    def listed(self, contract: str) -> bool:
        return contract not in self.without_feed and any(
            c["name"] == contract and not c["in_delisting"] for c in self.contracts)

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        asyncio.get_running_loop().create_task(self._ping(ws))

    async def _ping(self, ws: ServerConnection) -> None:
        try:
            while True:
                await asyncio.wait_for(await ws.ping(), 1.0)
                self.pongs += 1
                await asyncio.sleep(0.05)
        except (ConnectionClosed, TimeoutError):
            pass

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        body = json.loads(text)
        now = int(time.time())
        channel, event, payload = body.get("channel"), body.get("event"), body.get("payload") or []
        base = {"time": now, "time_ms": now * 1000, "channel": channel, "event": event}
        if "id" in body:
            base["id"] = body["id"]
        if channel == "futures.ping":
            self.app_pings += 1
            await ws.send(json.dumps({**base, "channel": "futures.pong", "event": "", "result": None}))
            return
        valid = (channel == "futures.public_liquidates" and payload == ["!all"]) or (
            channel == "futures.trades" and payload and all(self.listed(c) for c in payload))
        if event == "subscribe" and not valid:
            self.refusals += 1
            bad = next((c for c in payload if not self.listed(c)), payload[:1])
            await ws.send(json.dumps({**base, "error": {"code": 2, "message": f"unknown contract {bad}"},
                                      "result": {"status": "failed"}}))
            return
        keys = {f"{channel}:{c}" for c in payload}
        if event == "subscribe":
            self.streams[ws].update(keys)
        else:
            self.streams[ws].difference_update(keys)
        await ws.send(json.dumps({**base, "result": {"status": "success"}}))

    async def push(self, frame: str) -> None:
        """A push goes to the connections subscribed to its channel for its contract (or ``!all``);
        anything else (garbage, notices) to every connection."""
        try:
            body = json.loads(frame)
            channel = body["channel"]
        except (ValueError, KeyError, TypeError):
            await self.send(self.clients, frame)
            return
        contracts = {row.get("contract") for row in body.get("result") or [] if isinstance(row, dict)}
        wanted = {f"{channel}:!all"} | {f"{channel}:{c}" for c in contracts}
        await self.send([ws for ws in self.clients if self.streams[ws] & wanted], frame)

    def endpoints(self) -> dict:
        return {"/api/v4/futures/usdt/contracts": lambda request: web.json_response(self.contracts)}
