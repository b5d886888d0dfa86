"""An HTX USDT-margined swaps stand-in on 127.0.0.1: both WebSocket endpoints and the REST paths
the feed polls, every frame sent gzip-compressed as HTX does.

- ``/linear-swap-ws`` (market data): ``{"sub": "market.<code>.trade.detail", "id": ...}``
  answered first with the contract's last trade (``last_trade``: the real capture shows it
  arriving just before the answer) and then ``{"id", "subbed", "ts", "status": "ok"}``; an unknown
  contract is ``{"id", "status": "error", "err-code": "bad-request", "err-msg": "invalid topic
  ..."}``; ``unsub`` answered ``unsubbed``.  It pings ``{"ping": <ms>}`` every ``ping_every_s``
  (5 s there; off unless set) and closes a connection that left ``max_missed`` pings (5 there)
  unanswered or answered with another value; more than 40 subscriptions a second are counted.
- ``/linear-swap-notification``: ``{"op": "sub", "cid", "topic": "public.*.liquidation_orders",
  "business_type": "swap"}`` answered ``{"op": "sub", "cid", "topic", "ts", "err-code": 0}``; the
  wildcard without ``business_type`` is refused with 2040 (the docs say "*" needs it; the code is
  constructed), another contract code with 2011.  It pings ``{"op": "ping", "ts": "<ms>"}``
  (``ts_as_number`` sends a number) and counts a pong whose ``ts`` is not the ping's unchanged
  (``bad_pongs``).
- REST (``contracts_down`` fails the listing with HTTP 500): ``swap_contract_info``, ``swap_batch_funding_rate``, ``swap_open_interest`` in HTX's
  ``{"status": "ok", "data": [...], "ts": ...}`` envelope.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import time
from http import HTTPStatus

from aiohttp import web
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from fakes.venue_servers import TS, FakeVenue

MARKET, NOTIFICATION = "/linear-swap-ws", "/linear-swap-notification"
LIQUIDATIONS = "public.*.liquidation_orders"
_TRADES = re.compile(r"^market\.([A-Z0-9]+-USDT)\.trade\.detail$")


def trade(n: int, direction: str = "buy", price: float = 61800.0, quantity: float = 0.5, ms: int = TS) -> dict:
    return {"amount": quantity * 1000, "quantity": quantity, "trade_turnover": round(price * quantity, 8), "ts": ms,
            "id": n, "price": price, "direction": direction}


def trades_frame(code: str, *items: dict) -> str:
    return json.dumps({"ch": f"market.{code}.trade.detail", "ts": TS, "tick": {"id": TS, "ts": TS, "data": list(items)}})


def liquidation_frame(code: str, direction: str, price: float, turnover: float, ms: int = TS) -> str:
    return json.dumps({"op": "notify", "topic": f"public.{code}.liquidation_orders", "ts": ms + 40, "data": [
        {"symbol": code.split("-")[0], "contract_code": code, "direction": direction, "offset": "close",
         "volume": 1, "price": price, "created_at": ms, "amount": turnover / price, "trade_turnover": turnover,
         "contract_type": "swap", "pair": code, "business_type": "swap"}]})


class FakeHtx(FakeVenue):
    feed = "htx"
    ws_path = MARKET
    base_path = "/"  # the feed's ws_url is the host; each socket adds its path
    MAX_SUBS_PER_S = 40

    def __init__(self) -> None:
        super().__init__()
        self.contracts = [
            {"symbol": "BTC", "contract_code": "BTC-USDT", "contract_size": 0.001, "contract_status": 1,
             "business_type": "swap", "contract_type": "swap", "pair": "BTC-USDT"},
            {"symbol": "ETH", "contract_code": "ETH-USDT", "contract_size": 0.01, "contract_status": 1,
             "business_type": "swap", "contract_type": "swap", "pair": "ETH-USDT"},
            {"symbol": "SATS", "contract_code": "1000SATS-USDT", "contract_size": 1000, "contract_status": 1,
             "business_type": "swap", "contract_type": "swap", "pair": "1000SATS-USDT"},
        ]
        self.last_trade: dict[str, dict] = {}
        self.contracts_down = False  # swap_contract_info answers HTTP 500
        self.refusals: list[str] = []
        self.ping_every_s: float | None = None
        self.max_missed = 5
        self.ts_as_number = False
        self.pongs = {MARKET: 0, NOTIFICATION: 0}
        self.bad_pongs = 0
        self.ping_closes = 0
        self.rate_violations = 0
        self._sub_times: dict[ServerConnection, list[float]] = {}
        self._pings: dict[ServerConnection, list[object]] = {}  # unanswered ping values, oldest first

    def check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?")[0] not in (MARKET, NOTIFICATION):
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        return None

    @staticmethod
    def endpoint(ws: ServerConnection) -> str:
        return ws.request.path.split("?")[0]  # type: ignore[union-attr]

    def on(self, endpoint: str) -> list[ServerConnection]:
        return [ws for ws in self.clients if self.endpoint(ws) == endpoint]

    def subscribed_on(self, endpoint: str) -> set[str]:
        return set().union(*(self.streams[ws] for ws in self.on(endpoint))) if self.on(endpoint) else set()

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        self._sub_times[ws] = []
        self._pings[ws] = []
        if self.ping_every_s is not None:
            asyncio.get_running_loop().create_task(self._ping(ws))

    async def _ping(self, ws: ServerConnection) -> None:
        market = self.endpoint(ws) == MARKET
        try:
            while ws in self.clients:
                await asyncio.sleep(self.ping_every_s)  # type: ignore[arg-type]
                if len(self._pings[ws]) >= self.max_missed:
                    self.ping_closes += 1
                    await ws.close()
                    return
                ms = int(time.time() * 1000)
                value: object = ms if market or self.ts_as_number else str(ms)
                self._pings[ws].append(value)
                await self.gz(ws, {"ping": value} if market else {"op": "ping", "ts": value})
        except ConnectionClosed:
            pass

    async def gz(self, ws: ServerConnection, body: dict | str) -> None:
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        try:
            await ws.send(gzip.compress(text.encode()))
        except ConnectionClosed:
            pass

    def _ponged(self, ws: ServerConnection, endpoint: str, value: object) -> None:
        waiting = self._pings[ws]
        if waiting and waiting[0] == value and type(waiting[0]) is type(value):
            waiting.pop(0)
            self.pongs[endpoint] += 1
        else:
            self.bad_pongs += 1

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        body = json.loads(text)
        endpoint = self.endpoint(ws)
        now = time.monotonic()
        if "pong" in body:
            self._ponged(ws, endpoint, body["pong"])
            return
        if body.get("op") == "pong":
            self._ponged(ws, endpoint, body.get("ts"))
            return
        recent = [t for t in self._sub_times[ws] if now - t < 1.0] + [now]
        self._sub_times[ws] = recent
        if len(recent) > self.MAX_SUBS_PER_S:
            self.rate_violations += 1
        if endpoint == MARKET:
            await self._market(ws, body)
        else:
            await self._notification(ws, body)

    async def _market(self, ws: ServerConnection, body: dict) -> None:
        ident, ts = body.get("id"), int(time.time() * 1000)
        if "unsub" in body:
            self.streams[ws].discard(body["unsub"])
            await self.gz(ws, {"id": ident, "status": "ok", "unsubbed": body["unsub"], "ts": ts})
            return
        topic = str(body.get("sub"))
        match = _TRADES.match(topic)
        if match is None or match.group(1) not in {c["contract_code"] for c in self.contracts}:
            self.refusals.append(topic)
            await self.gz(ws, {"id": ident, "status": "error", "err-code": "bad-request",
                               "err-msg": f"invalid topic {topic}", "ts": ts})
            return
        self.streams[ws].add(topic)
        last = self.last_trade.get(match.group(1))
        if last is not None:
            await self.gz(ws, trades_frame(match.group(1), last))
        await self.gz(ws, {"id": ident, "subbed": topic, "ts": ts, "status": "ok"})

    async def _notification(self, ws: ServerConnection, body: dict) -> None:
        op, cid, topic, ts = body.get("op"), body.get("cid"), body.get("topic"), int(time.time() * 1000)
        answer = {"op": op, "cid": cid, "topic": topic, "ts": ts}
        if op == "unsub":
            self.streams[ws].discard(topic)
            await self.gz(ws, {**answer, "err-code": 0})
        elif topic == LIQUIDATIONS and body.get("business_type") in ("swap", "all"):
            self.streams[ws].add(topic)
            await self.gz(ws, {**answer, "err-code": 0})
        elif topic == LIQUIDATIONS:
            self.refusals.append(str(topic))
            await self.gz(ws, {**answer, "err-code": 2040, "err-msg": "Missing required parameter."})
        else:
            self.refusals.append(str(topic))
            await self.gz(ws, {**answer, "err-code": 2011, "err-msg": "Contract doesn't exist."})

    async def push(self, frame: str) -> None:
        """Send a frame (gzip) to the connections subscribed to it: trades by their topic, a
        liquidation to every notification connection on the wildcard; garbage to everyone."""
        try:
            body = json.loads(frame)
            key = body.get("ch") or (LIQUIDATIONS if body.get("op") == "notify" else None)
        except (ValueError, AttributeError):
            key = None
        for ws in list(self.clients):
            if key is None or key in self.streams[ws]:
                await self.gz(ws, frame)

    def endpoints(self) -> dict:
        return {"/linear-swap-api/v1/swap_contract_info": lambda r: web.Response(status=500) if self.contracts_down
                else self._ok(self.contracts),
                "/linear-swap-api/v1/swap_batch_funding_rate": lambda r: self._ok(
                    [{"contract_code": c["contract_code"], "symbol": c["symbol"], "fee_asset": "USDT",
                      "funding_rate": "0.000100000000000000", "funding_time": str(TS + 3_600_000),
                      "estimated_rate": None, "next_funding_time": None} for c in self.contracts]),
                "/linear-swap-api/v1/swap_open_interest": lambda r: self._ok(
                    [{"contract_code": c["contract_code"], "symbol": c["symbol"], "volume": 1000, "amount": 1.0,
                      "value": 61800.0, "business_type": "swap", "contract_type": "swap"} for c in self.contracts])}

    @staticmethod
    def _ok(data: list[dict]) -> web.Response:
        return web.json_response({"status": "ok", "data": data, "ts": TS + 5})
