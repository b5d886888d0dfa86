"""A CoinGlass stand-in on 127.0.0.1: the WebSocket API and the two REST v4 endpoints we poll.

It speaks the real protocol (``cg-api-key`` query parameter, ``subscribe`` method, text
``ping``/``pong``; ``CG-API-KEY`` header, ``{"code":"0","data":[...]}`` bodies with string values)
and can misbehave on demand: refuse a wrong key, drop every connection, go silent, answer 429.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

WS_PATH = "/ws-api"
OI_PATH = "/api/futures/open-interest/aggregated-history"
FUNDING_PATH = "/api/futures/funding-rate/oi-weight-history"


def liquidation_frame(items: list[dict]) -> str:
    return json.dumps({"channel": "liquidationOrders", "data": items})


def trade_frame(exchange: str, symbol: str, min_vol: int, items: list[dict]) -> str:
    return json.dumps({"channel": f"futures_trades@{exchange}_{symbol}@{min_vol}", "data": items})



FAKE_CG_KEY = "cg-test-key-7f3a91d2e4b8"  # a key-shaped string that must never appear in output

class FakeCoinGlass:
    def __init__(self, key: str) -> None:
        self.key = key
        self.silent = False  # stop answering anything (pings included)
        self.clients: set[ServerConnection] = set()
        self.connections = 0
        self.refused = 0
        self.subscriptions: list[list[str]] = []  # channel lists, one per subscribe message
        self.received: list[str] = []
        self.rest_requests: list[str] = []  # path?query of every REST call that passed the key check
        self.rate_limit_next = 0  # answer this many REST calls with 429
        self.retry_after = "1"
        self.oi: dict[str, float] = {}  # coin -> last OI close; rows are generated around it
        self.funding: dict[str, float] = {}  # coin -> funding in percent
        self._ws: Server | None = None
        self._runner: web.AppRunner | None = None
        self.ws_url = ""
        self.rest_url = ""

    async def start(self) -> None:
        self._ws = await serve(self._handle, "127.0.0.1", 0, process_request=self._check_key)
        ws_port = self._ws.sockets[0].getsockname()[1]
        self.ws_url = f"ws://127.0.0.1:{ws_port}{WS_PATH}"
        app = web.Application()
        app.router.add_get(OI_PATH, self._rest)
        app.router.add_get(FUNDING_PATH, self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        rest_port = self._runner.addresses[0][1]
        self.rest_url = f"http://127.0.0.1:{rest_port}"

    async def stop(self) -> None:
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        if self._runner is not None:
            await self._runner.cleanup()

    # WebSocket ---------------------------------------------------------------------------
    def _check_key(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path != WS_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if parse_qs(url.query).get("cg-api-key") != [self.key]:
            self.refused += 1
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid api key\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.clients.add(ws)
        try:
            async for message in ws:
                self.received.append(message)  # type: ignore[arg-type]
                if self.silent:
                    continue
                if message == "ping":
                    await ws.send("pong")
                    continue
                body = json.loads(message)
                if body.get("method") == "subscribe":
                    self.subscriptions.append(list(body["channels"]))
                    await ws.send(json.dumps({"event": "subscribe", "channels": body["channels"], "success": True}))
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)

    def subscribed(self) -> set[str]:
        return {channel for message in self.subscriptions for channel in message}

    async def push(self, frame: str) -> None:
        """Send a frame to every connected client."""
        for ws in list(self.clients):
            try:
                await ws.send(frame)
            except ConnectionClosed:
                pass

    async def drop(self) -> None:
        """Close every connection abruptly (no close handshake), as a crashed peer would."""
        for ws in list(self.clients):
            ws.transport.abort()

    async def wait_connections(self, n: int, timeout: float = 5.0) -> None:
        await wait_for(lambda: self.connections >= n and len(self.clients) > 0, timeout)

    # REST --------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        if request.headers.get("CG-API-KEY") != self.key:
            return web.json_response({"code": "401", "msg": "invalid api key"}, status=401)
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return web.json_response({"code": "429", "msg": "too many requests"}, status=429,
                                     headers={"Retry-After": self.retry_after})
        self.rest_requests.append(request.path_qs)
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


async def wait_for(condition, timeout: float = 5.0, step: float = 0.01) -> None:
    """Poll ``condition`` until true; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)
