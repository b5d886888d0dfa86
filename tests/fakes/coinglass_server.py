"""A CoinGlass stand-in on 127.0.0.1: the WebSocket API and the REST v4 endpoints we poll (OI,
funding, and the supported exchange pairs that name the ``futures_trades`` channels).

It speaks the real protocol (``cg-api-key`` query parameter, ``subscribe`` method, text
``ping``/``pong``; ``CG-API-KEY`` header, ``{"code":"0","data":[...]}`` bodies with string values)
and can misbehave on demand: refuse a wrong key, drop every connection, go silent, answer 429,
refuse a channel (``without_feed``).  How CoinGlass answers a subscribe message naming a channel it
does not serve is not documented; this fake assumes the worst: the whole message is refused.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from fakes.loopback import LoopbackVenue, wait_for

__all__ = ["FAKE_CG_KEY", "FakeCoinGlass", "liquidation_frame", "trade_frame", "wait_for"]

FAKE_CG_KEY = "cg-test-key-7f3a91d2e4b8"  # a key-shaped string that must never appear in output
WS_PATH = "/ws-api"
OI_PATH = "/api/futures/open-interest/aggregated-history"
FUNDING_PATH = "/api/futures/funding-rate/oi-weight-history"
PAIRS_PATH = "/api/futures/supported-exchange-pairs"
_COINS = ("BTC", "ETH", "SOL", "BNB", "XRP", "DOGE", "SUI", "LINK", "FET", "WIF")


def supported_pairs() -> dict[str, list[dict]]:
    """The body's ``data``: each exchange names instruments its own way (shape: CoinGlass v4 docs,
    tests/data/live_formats/coinglass.json)."""
    usdt = [{"instrument_id": f"{c}USDT", "base_asset": c, "quote_asset": "USDT"} for c in _COINS]
    pepe = {"instrument_id": "1000PEPEUSDT", "base_asset": "1000PEPE", "quote_asset": "USDT"}
    return {
        "Binance": [*usdt, pepe, {"instrument_id": "BTCUSD_PERP", "base_asset": "BTC", "quote_asset": "USD"},
                    {"instrument_id": "BTCUSDT_260327", "base_asset": "BTC", "quote_asset": "USDT"}],
        "OKX": [{"instrument_id": f"{c}-USDT-SWAP", "base_asset": c, "quote_asset": "USDT"} for c in (*_COINS, "PEPE")],
        "Bybit": [*usdt, pepe],
    }


def liquidation_frame(items: list[dict]) -> str:
    return json.dumps({"channel": "liquidationOrders", "data": items})


def trade_frame(exchange: str, symbol: str, min_vol: int, items: list[dict]) -> str:
    return json.dumps({"channel": f"futures_trades@{exchange}_{symbol}@{min_vol}", "data": items})


class FakeCoinGlass(LoopbackVenue):
    feed = "coinglass"
    ws_path = WS_PATH

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.silent = False  # stop answering anything (pings included)
        self.refused = 0
        self.subscriptions: list[list[str]] = []  # channel lists, one per subscribe message
        self.unsubscriptions: list[list[str]] = []  # the same for unsubscribe messages
        self.rate_limit_next = 0  # answer this many REST calls with 429; the others are kept in rest_requests
        self.retry_after = "1"
        self.rate_limit_status = 429  # 200: the 429 only in the body's code, as CoinGlass also answers
        self.oi: dict[str, float] = {}  # coin -> last OI close; rows are generated around it
        self.funding: dict[str, float] = {}  # coin -> funding in percent
        self.pairs = supported_pairs()
        self.without_feed: set[str] = set()  # channels refused on subscribe

    def routes(self) -> dict:
        return {OI_PATH: self._rest, FUNDING_PATH: self._rest, PAIRS_PATH: self._pairs}

    # WebSocket ---------------------------------------------------------------------------
    def check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        refusal = super().check_request(connection, request)
        if refusal is None and parse_qs(urlsplit(request.path).query).get("cg-api-key") != [self.key]:
            self.refused += 1
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid api key\n")
        return refusal

    async def on_text(self, ws: ServerConnection, message: str) -> None:
        if self.silent:
            return
        if message == "ping":
            await ws.send("pong")
            return
        body = json.loads(message)
        if body.get("method") == "subscribe" and self.without_feed & set(body["channels"]):
            await ws.send(json.dumps({"event": "subscribe", "channels": body["channels"], "success": False}))
        elif body.get("method") == "subscribe":
            self.subscriptions.append(list(body["channels"]))
            await ws.send(json.dumps({"event": "subscribe", "channels": body["channels"], "success": True}))
        elif body.get("method") == "unsubscribe":
            self.unsubscriptions.append(list(body["channels"]))
            await ws.send(json.dumps({"event": "unsubscribe", "channels": body["channels"], "success": True}))

    def subscribed(self) -> set[str]:
        return {channel for message in self.subscriptions for channel in message}

    def streaming(self, coins: tuple[str, ...] = ("BTC", "FET"), exchange: str = "Binance",
                  min_vol: int = 10000) -> bool:
        """``liquidationOrders`` and the trade channels of ``coins`` on ``exchange`` are subscribed
        (the feed sends one message per channel)."""
        wanted = {"liquidationOrders", *(f"futures_trades@{exchange}_{c}USDT@{min_vol}" for c in coins)}
        return wanted <= self.subscribed()

    async def wait_connections(self, n: int, timeout: float = 5.0) -> None:
        await wait_for(lambda: self.connections >= n and len(self.clients) > 0, timeout)

    # REST --------------------------------------------------------------------------------
    def _refusal(self, request: web.Request) -> web.Response | None:
        """A refused key or a rate limit, as CoinGlass answers them; None lets the request through."""
        if request.headers.get("CG-API-KEY") != self.key:
            return web.json_response({"code": "401", "msg": "invalid api key"}, status=401)
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            if self.rate_limit_status == 200:
                return web.json_response({"code": "429", "msg": "Too Many Requests"})
            return web.json_response({"code": "429", "msg": "too many requests"}, status=429,
                                     headers={"Retry-After": self.retry_after})
        self.rest_requests.append(request.path_qs)
        return None

    async def _pairs(self, request: web.Request) -> web.Response:
        return self._refusal(request) or web.json_response({"code": "0", "msg": "success", "data": self.pairs})

    async def _rest(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        coin = request.query.get("symbol", "")
        limit = int(request.query.get("limit", "7"))
        end = 1_761_125_700_000
        if request.path == OI_PATH:
            base = self.oi.get(coin, 1e9)
            values = [base * (1 - 0.01 * (limit - 1 - i)) for i in range(limit)]
        else:
            values = [self.funding.get(coin, 0.01)] * limit
        rows = [{"time": end - 300_000 * (limit - 1 - i), "open": str(v), "high": str(v), "low": str(v),
                 "close": str(v)} for i, v in enumerate(values)]
        return web.json_response({"code": "0", "msg": "success", "data": rows})

