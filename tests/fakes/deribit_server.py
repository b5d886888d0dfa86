"""A Deribit stand-in on 127.0.0.1: its JSON-RPC 2.0 WebSocket (``/ws/api/v2``) and the book
summaries the feed polls.

- ``public/subscribe`` with ``params.channels`` answers ``result``: the channels it serves, as
  Deribit does (a channel it does not serve is left out of the list, no error): every future's
  trades of a currency (``trades.future.<BTC|ETH|USDC|USDT>.<100ms|agg2>``) and one listed
  instrument's (``trades.<instrument>.<100ms|agg2>``); ``raw`` needs a login and is left out.
  ``public/unsubscribe`` likewise; ``public/test`` answers ``{"version": ...}``; a frame that is not
  JSON-RPC is answered with error -32700.  More than ``MAX_REQUESTS_PER_S`` requests a second are
  counted (Deribit's credits; the number is ours).
- :meth:`FakeDeribit.trades` sends one instrument's trades as Deribit does: to the currency
  channel's subscribers and to the instrument channel's, each its own notification.
- ``/api/v2/public/get_book_summary_by_currency`` answers ``summaries[currency]``.
"""

from __future__ import annotations

import json
import time

from aiohttp import web
from websockets.asyncio.server import ServerConnection

from fakes.venue_servers import TS, FakeVenue

CURRENCIES = ("BTC", "ETH", "USDC", "USDT")


def trade(n: int, instrument: str = "BTC-PERPETUAL", direction: str = "buy", price: float = 61800.0,
          amount: float = 10000.0, liquidation: str | None = None, ms: int = TS) -> dict:
    item = {"trade_seq": n, "trade_id": str(n), "timestamp": ms, "tick_direction": 0, "price": price,
            "mark_price": price, "instrument_name": instrument, "index_price": price, "direction": direction,
            "amount": amount}
    if liquidation is not None:
        item["liquidation"] = liquidation
    return item


def currency_of(instrument: str) -> str:
    """``SOL_USDC-PERPETUAL`` settles in USDC, ``BTC-PERPETUAL`` in BTC."""
    base = instrument.partition("-")[0]
    return base.partition("_")[2] or base


class FakeDeribit(FakeVenue):
    feed = "deribit"
    ws_path = "/ws/api/v2"
    MAX_REQUESTS_PER_S = 20

    def __init__(self) -> None:
        super().__init__()
        self.summaries: dict[str, list[dict]] = {
            "BTC": [{"instrument_name": "BTC-PERPETUAL", "creation_timestamp": TS, "mark_price": 61800.0,
                     "funding_8h": 0.0001, "open_interest": 900_000_000}],
            "ETH": [{"instrument_name": "ETH-PERPETUAL", "creation_timestamp": TS, "mark_price": 2600.5,
                     "funding_8h": -0.00002, "open_interest": 300_000_000}],
            "USDC": [{"instrument_name": "SOL_USDC-PERPETUAL", "creation_timestamp": TS, "mark_price": 150.0,
                      "funding_8h": 0.00003, "open_interest": 200_000.0},
                     {"instrument_name": "BTC_USDC-PERPETUAL", "creation_timestamp": TS, "mark_price": 61805.0,
                      "funding_8h": 0.0001, "open_interest": 10.0}],
            "USDT": [],
        }
        self.unserved: set[str] = set()  # channels it refuses though the summaries list the instrument
        self.tests = 0
        self.refused: list[str] = []
        self.rate_violations = 0
        self._asked: dict[ServerConnection, list[float]] = {}

    def instruments(self) -> set[str]:
        return {row["instrument_name"] for rows in self.summaries.values() for row in rows}

    def serves(self, channel: str) -> bool:
        parts = channel.split(".")
        if channel in self.unserved or parts[0] != "trades" or parts[-1] not in ("100ms", "agg2"):
            return False
        if len(parts) == 4:
            return parts[1] == "future" and parts[2] in CURRENCIES
        return len(parts) == 3 and parts[1] in self.instruments()

    async def on_open(self, ws: ServerConnection) -> None:
        await super().on_open(ws)
        self._asked[ws] = []

    async def _answer(self, ws: ServerConnection, ident: object, **body: object) -> None:
        now = int(time.time() * 1_000_000)
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": ident, **body, "usIn": now, "usOut": now + 300, "usDiff": 300,
                                  "testnet": False}))

    async def on_text(self, ws: ServerConnection, text: str) -> None:
        now = time.monotonic()
        self._asked[ws] = [t for t in self._asked[ws] if now - t < 1.0] + [now]
        if len(self._asked[ws]) > self.MAX_REQUESTS_PER_S:
            self.rate_violations += 1
        try:
            body = json.loads(text)
            method, ident, params = body["method"], body.get("id"), body.get("params") or {}
        except (ValueError, KeyError, TypeError, AttributeError):
            await self._answer(ws, None, error={"code": -32700, "message": "Parse error"})
            return
        if method == "public/test":
            self.tests += 1
            await self._answer(ws, ident, result={"version": "1.2.26"})
            return
        channels = [str(c) for c in params.get("channels", [])]
        if method == "public/subscribe":
            granted = [c for c in channels if self.serves(c)]
            self.refused += [c for c in channels if c not in granted]
            self.streams[ws].update(granted)
            await self._answer(ws, ident, result=granted)
        elif method == "public/unsubscribe":
            gone = [c for c in channels if c in self.streams[ws]]
            self.streams[ws].difference_update(gone)
            await self._answer(ws, ident, result=gone)
        else:
            await self._answer(ws, ident, error={"code": -32601, "message": "Method not found"})

    async def trades(self, *items: dict) -> None:
        """Each trade to the currency channel and to its instrument's channel (100ms)."""
        for item in items:
            instrument = item["instrument_name"]
            for channel in (f"trades.future.{currency_of(instrument)}.100ms", f"trades.{instrument}.100ms"):
                await self.push(json.dumps({"jsonrpc": "2.0", "method": "subscription",
                                            "params": {"channel": channel, "data": [item]}}))

    def stream_of(self, frame: dict) -> str | None:
        return frame["params"]["channel"]

    def endpoints(self) -> dict:
        return {"/api/v2/public/get_book_summary_by_currency": self._summary}

    def _summary(self, request: web.Request) -> web.Response:
        rows = self.summaries.get(request.query.get("currency", ""), [])
        return web.json_response({"jsonrpc": "2.0", "result": rows, "usIn": TS * 1000, "usOut": TS * 1000 + 300,
                                  "usDiff": 300, "testnet": False})
