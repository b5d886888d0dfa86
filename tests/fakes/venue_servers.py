"""Binance, Bybit and OKX stand-ins on 127.0.0.1: each venue's WebSocket and the REST endpoints
we poll, speaking the real protocols.

- Binance: combined streams on ``/market/stream``, ``SUBSCRIBE``/``UNSUBSCRIBE`` answered
  ``{"result": null, "id": n}``, at most 200 streams per connection, protocol pings from the
  server (the client's pongs are counted), incoming messages per second counted.
- Bybit: ``/v5/public/linear``, ``{"op": "subscribe", "args": [...], "req_id": ...}`` answered with
  ``success``/``ret_msg`` and the request's ``req_id``; like the real one it refuses the *whole*
  request when one topic has no handler (a symbol it does not list, or a pre-listing one:
  ``error:handler not found,topic:...``), refuses more than 10 args a request and more than
  21,000 characters of args a connection; ``{"op": "ping"}`` is answered with ``ret_msg: "pong"``.
- OKX: ``/ws/v5/public``, ``{"op": "subscribe", "args": [{...}]}`` answered per arg with
  ``{"event": "subscribe", ...}``, text ``ping`` answered ``pong``; like OKX, it closes a
  connection on which the client sent nothing for ``idle_close_s`` (30 s there; off unless set).

Tests push real payloads with :meth:`FakeVenue.push` once the subscription they need is in, and
can drop every connection to prove reconnect and resubscribe.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager

from aiohttp import web
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from engine.core import Engine
from engine.feeds import live
from engine.feeds.registry import VENUES
from engine.feeds.runner import LiveFeed
from engine.feeds.venue import Feed
from engine.pipeline import Pipeline
from engine.secrets import Secrets
from engine.settings import Settings
from fakes.loopback import LoopbackVenue, wait_for

__all__ = ["Collector", "FakeBinance", "FakeBybit", "FakeOkx", "fast_settings", "okx_arg", "running", "start_feed",
           "wait_for"]

TS = 1_723_161_256_000  # 2024-08-08 23:54:16 UTC, inside the real Binance trade file


class FakeVenue(LoopbackVenue):
    """A venue whose clients subscribe streams: a pushed frame goes only to the connections
    subscribed to its stream, and every REST request is logged."""

    def __init__(self) -> None:
        super().__init__()
        self.streams: dict[ServerConnection, set[str]] = {}  # subscribed streams per connection

    def routes(self) -> dict:
        return {path: self._logged(handler) for path, handler in self.endpoints().items()}

    def endpoints(self) -> dict:
        """REST path → a plain function of the request."""
        return {}

    def _logged(self, handler):
        async def logged(request: web.Request) -> web.Response:
            self.rest_requests.append(request.path_qs)
            return handler(request)

        return logged

    async def on_open(self, ws: ServerConnection) -> None:
        self.streams[ws] = set()

    def subscribed(self, index: int = -1) -> set[str]:
        """What the ``index``-th open connection (default: the newest) is subscribed to."""
        return set(self.streams[self.clients[index]]) if self.clients else set()

    def all_subscribed(self) -> set[str]:
        return set().union(*(self.streams[ws] for ws in self.clients)) if self.clients else set()

    async def push(self, frame: str) -> None:
        """Send a frame to the connections subscribed to its stream, as the venue would (to every
        connection when it names no stream: garbage, notices)."""
        try:
            key = self.stream_of(json.loads(frame))
        except (ValueError, KeyError, TypeError, AttributeError):
            key = None
        await self.send([ws for ws in self.clients if key is None or key in self.streams[ws]], frame)

    def stream_of(self, frame: dict) -> str | None:
        raise NotImplementedError


class FakeBinance(FakeVenue):
    feed = "binance"
    ws_path = "/market/stream"
    base_path = "/market"
    MAX_STREAMS = 200
    MAX_MESSAGES_PER_S = 10

    def __init__(self) -> None:
        super().__init__()
        self.pongs = 0
        self.rate_violations = 0
        self._sent_at: dict[ServerConnection, list[float]] = {}
        self.premium = [  # shape of GET /fapi/v1/premiumIndex
            {"symbol": "BTCUSDT", "markPrice": "61800.10", "indexPrice": "61790.00",
             "lastFundingRate": "0.00010000", "interestRate": "0.00010000", "nextFundingTime": TS + 3_600_000,
             "time": TS},
            {"symbol": "ETHUSDT", "markPrice": "2600.50", "lastFundingRate": "-0.00002000", "time": TS},
            {"symbol": "1000PEPEUSDT", "markPrice": "0.0081", "lastFundingRate": "0.00030000", "time": TS},
        ]
        self.open_interest = {"BTCUSDT": "80000.5", "ETHUSDT": "1200000", "1000PEPEUSDT": "9000000000"}
        self.funding_info = [{"symbol": "1000PEPEUSDT", "adjustedFundingRateCap": "0.02",
                              "adjustedFundingRateFloor": "-0.02", "fundingIntervalHours": 4, "disclaimer": False}]

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        self._sent_at[ws] = []
        asyncio.get_running_loop().create_task(self._ping(ws))

    async def _ping(self, ws: ServerConnection) -> None:
        """Binance pings every few minutes and cuts clients that do not answer; here every 50 ms."""
        try:
            while True:
                await asyncio.wait_for(await ws.ping(), 1.0)
                self.pongs += 1
                await asyncio.sleep(0.05)
        except (ConnectionClosed, TimeoutError):
            pass

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        now = time.monotonic()
        recent = [t for t in self._sent_at[ws] if now - t < 1.0] + [now]
        self._sent_at[ws] = recent
        if len(recent) > self.MAX_MESSAGES_PER_S:
            self.rate_violations += 1
        try:
            body = json.loads(text)
            method, params, ident = body["method"], body.get("params", []), body["id"]
        except (ValueError, KeyError, TypeError):
            await ws.send(json.dumps({"error": {"code": 3, "msg": "Invalid JSON"}, "id": None}))
            return
        streams = self.streams[ws]
        if method == "SUBSCRIBE":
            if len(streams | set(params)) > self.MAX_STREAMS:
                await ws.send(json.dumps({"error": {"code": 4, "msg": "Too many streams"}, "id": ident}))
                return
            streams.update(params)
        elif method == "UNSUBSCRIBE":
            streams.difference_update(params)
        await ws.send(json.dumps({"result": None, "id": ident}))

    def stream_of(self, frame: dict) -> str | None:
        return frame["stream"]

    def endpoints(self) -> dict:
        return {"/fapi/v1/premiumIndex": self._premium, "/fapi/v1/openInterest": self._open_interest,
                "/fapi/v1/fundingInfo": lambda request: web.json_response(self.funding_info)}

    def _premium(self, request: web.Request) -> web.Response:
        return web.json_response(self.premium)

    def _open_interest(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        if symbol not in self.open_interest:
            return web.json_response({"code": -1121, "msg": "Invalid symbol."}, status=400)
        return web.json_response({"openInterest": self.open_interest[symbol], "symbol": symbol, "time": TS + 1})


class FakeBybit(FakeVenue):
    feed = "bybit"
    ws_path = "/v5/public/linear"
    MAX_ARGS = 10
    MAX_ARGS_CHARS = 21_000
    PRE_LISTING = {"curPreListingPhase": "ContinuousTrading", "preOpenPrice": "0.05", "preQty": "120000"}

    def __init__(self) -> None:
        super().__init__()
        self.pings = 0
        self.refusals = 0
        self.without_feed: set[str] = set()
        self.tickers = [  # shape of GET /v5/market/tickers?category=linear
            {"symbol": "BTCUSDT", "lastPrice": "61800.00", "markPrice": "61801.00", "openInterest": "55000",
             "openInterestValue": "3399055000.00", "fundingRate": "0.0001", "fundingIntervalHour": "8",
             "nextFundingTime": str(TS + 3_600_000)},
            {"symbol": "PIPPINUSDT", "openInterestValue": "12000000", "fundingRate": "-0.0003",
             "fundingIntervalHour": "4"},
            {"symbol": "1000PEPEUSDT", "openInterestValue": "120000000", "fundingRate": "0.00005",
             "fundingIntervalHour": "8"},
        ]

    def has_handler(self, topic: str) -> bool:
        """A topic Bybit serves: a listed symbol that is not pre-listing (nor one of
        ``without_feed``: the tickers list contracts that have no stream)."""
        symbol = topic.partition(".")[2]
        return symbol not in self.without_feed and any(
            t["symbol"] == symbol and t.get("curPreListingPhase", "") in ("", "Finished") for t in self.tickers)

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        body = json.loads(text)
        op, args = body.get("op"), body.get("args", [])
        reply = {"success": True, "ret_msg": "", "conn_id": f"c{self.connections}", "req_id": body.get("req_id", ""),
                 "op": op}
        invalid = [topic for topic in args if not self.has_handler(topic)]
        if op == "ping":
            self.pings += 1
            reply["ret_msg"] = "pong"
        elif len(args) > self.MAX_ARGS:
            reply.update(success=False, ret_msg=f"args size >{self.MAX_ARGS}")
        elif op == "subscribe" and invalid:  # one bad topic fails the whole request
            self.refusals += 1
            reply.update(success=False, ret_msg=f"error:handler not found,topic:{invalid[0]}")
        elif op == "subscribe" and sum(len(t) + 3 for t in self.streams[ws] | set(args)) > self.MAX_ARGS_CHARS:
            reply.update(success=False, ret_msg=f"error:args length exceeds {self.MAX_ARGS_CHARS}")
        elif op == "subscribe":
            self.streams[ws].update(args)
        elif op == "unsubscribe":
            self.streams[ws].difference_update(args)
        await ws.send(json.dumps(reply))

    def stream_of(self, frame: dict) -> str | None:
        return frame["topic"]

    def received_topics(self) -> set[str]:
        """Every topic a client ever asked for, granted or not."""
        return {topic for raw in self.received if '"args"' in raw for topic in json.loads(raw)["args"]}

    def endpoints(self) -> dict:
        return {"/v5/market/tickers": self._tickers}

    def _tickers(self, request: web.Request) -> web.Response:
        return web.json_response({"retCode": 0, "retMsg": "OK", "retExtInfo": {}, "time": TS + 2,
                                  "result": {"category": request.query.get("category"), "list": self.tickers}})


class FakeOkx(FakeVenue):
    feed = "okx"
    ws_path = "/ws/v5/public"

    def __init__(self) -> None:
        super().__init__()
        self.pings = 0
        self.idle_close_s: float | None = None
        self.idle_closes = 0
        self._heard: dict[ServerConnection, float] = {}  # when the client last sent anything
        self.instruments = [  # shape of GET /api/v5/public/instruments?instType=SWAP
            {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "ctVal": "0.01", "ctMult": "1", "ctValCcy": "BTC",
             "ctType": "linear", "settleCcy": "USDT", "state": "live"},
            {"instType": "SWAP", "instId": "ETH-USDT-SWAP", "ctVal": "0.1", "ctMult": "1", "ctValCcy": "ETH",
             "ctType": "linear", "settleCcy": "USDT", "state": "live"},
            {"instType": "SWAP", "instId": "XRP-USD-SWAP", "ctVal": "10", "ctMult": "1", "ctValCcy": "USD",
             "ctType": "inverse", "settleCcy": "XRP", "state": "live"},
        ]

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        self._heard[ws] = time.monotonic()
        asyncio.get_running_loop().create_task(self._close_when_idle(ws))

    async def _close_when_idle(self, ws: ServerConnection) -> None:
        while ws in self.clients:
            await asyncio.sleep(0.01)
            limit = self.idle_close_s
            if limit is not None and time.monotonic() - self._heard[ws] > limit:
                self.idle_closes += 1
                await ws.close(4004, "no data")  # OKX: 4004 No data received in 30s
                break
        self._heard.pop(ws, None)

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        self._heard[ws] = time.monotonic()
        if text == "ping":
            self.pings += 1
            await ws.send("pong")
            return
        body = json.loads(text)
        op = body.get("op")
        for arg in body.get("args", []):
            key = json.dumps(arg, sort_keys=True)
            if op == "subscribe":
                self.streams[ws].add(key)
            else:
                self.streams[ws].discard(key)
            await ws.send(json.dumps({"event": op, "arg": arg, "connId": f"c{self.connections}"}))

    def stream_of(self, frame: dict) -> str | None:
        return json.dumps(frame["arg"], sort_keys=True)

    def endpoints(self) -> dict:
        return {"/api/v5/public/instruments": self._instruments, "/api/v5/public/open-interest": self._oi,
                "/api/v5/public/funding-rate": self._funding}

    @staticmethod
    def _ok(rows: list[dict]) -> web.Response:
        return web.json_response({"code": "0", "msg": "", "data": rows})

    def _instruments(self, request: web.Request) -> web.Response:
        return self._ok([i for i in self.instruments if i["instType"] == request.query.get("instType")])

    def _oi(self, request: web.Request) -> web.Response:
        return self._ok([{"instType": "SWAP", "instId": "BTC-USDT-SWAP", "oi": "2800000", "oiCcy": "28000",
                          "oiUsd": "1730400000", "ts": str(TS + 3)}])

    def _funding(self, request: web.Request) -> web.Response:
        inst_id = request.query.get("instId", "")
        if inst_id not in {i["instId"] for i in self.instruments}:
            return web.json_response({"code": "51001", "msg": "Instrument ID does not exist", "data": []})
        return self._ok([{"instType": "SWAP", "instId": inst_id, "fundingRate": "0.00012",
                          "fundingTime": str(TS + 3_600_000), "nextFundingTime": str(TS + 4 * 3_600_000),
                          "ts": str(TS + 4)}])


def okx_arg(channel: str, **more: str) -> str:
    """How :class:`FakeOkx` keys a subscription."""
    return json.dumps({"channel": channel, **more}, sort_keys=True)


class Collector:
    """The service's frame path in miniature: every frame through the real pipeline and engine,
    the frames and the events kept for the test to read."""

    def __init__(self, settings: Settings) -> None:
        self.pipeline = Pipeline(Engine(settings))
        self.frames: list[tuple[str, str, str, str, int]] = []
        self.events: list = []
        self.pipeline.event_listeners.append(self.events.extend)

    def deliver(self, src: str, kind: str, ch: str, raw: str, t: int) -> object:
        self.frames.append((src, kind, ch, raw, t))
        return self.pipeline.feed(src, kind, ch, raw, t)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def fast_settings(**fakes: LoopbackVenue) -> Settings:
    """Default settings pointed at the fakes (``binance=..., okx=...``), with quick reconnects
    and unthrottled REST, so a test never waits on venue-sized pauses.  Every other feed is off:
    a service started on these settings talks to nothing but the fakes."""
    settings = Settings()
    for name in VENUES:
        getattr(settings.feeds, name).enabled = name in fakes
    for name, fake in fakes.items():
        feed = getattr(settings.feeds, name)
        feed.ws_url, feed.rest_url = fake.ws_url, fake.rest_url
        feed.backoff_initial_s, feed.backoff_max_s = 0.02, 0.1
        feed.requests_per_minute = 60_000
        feed.watchdog_s = 5.0
    return settings


def start_feed(fake: LoopbackVenue, coins: list[str], *, liquidations: bool = True, secrets: Secrets | None = None,
               **feed_settings: object) -> tuple[LiveFeed, Collector]:
    """``fake``'s feed as the service makes it (its venue's declaration, :func:`engine.feeds.live.start`,
    learning through the pipeline's adapter), on :func:`fast_settings` with ``feed_settings`` set on
    top, delivering to a fresh :class:`Collector`."""
    settings = fast_settings(**{fake.feed: fake})
    s = getattr(settings.feeds, fake.feed)
    for key, value in feed_settings.items():
        setattr(s, key, value)
    collector = Collector(settings)
    feed = Feed(fake.feed, s, collector.pipeline.adapters[fake.feed], liquidations, secrets or Secrets())
    return live.start(VENUES[fake.feed], feed, coins, collector.deliver, settings.context.poll_interval_s), collector


@asynccontextmanager
async def running(feed: LiveFeed):
    """Run a live feed for the body of a ``with`` block, then stop it cleanly."""
    task = asyncio.get_running_loop().create_task(feed.run())
    try:
        yield feed
    finally:
        await feed.stop()
        await asyncio.wait_for(task, 5.0)
