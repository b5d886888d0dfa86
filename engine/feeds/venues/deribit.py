"""Deribit (JSON-RPC 2.0 over WebSocket, public API v2): frames and REST bodies → events.  Pure:
no I/O, never raises.

Deribit has no liquidation channel: a trade caused by a liquidation carries ``liquidation``: ``"T"``
when the taker side was under liquidation, ``"M"`` the maker side, ``"MT"`` both (Deribit docs).
A trade's ``direction`` is the taker's.  So a liquidated taker who sold was a LONG (``T`` +
``sell``); a liquidated maker was on the other side: ``M`` + ``buy`` (the maker sold) is a LONG,
``M`` + ``sell`` a SHORT; ``MT`` is both, one LONG and one SHORT of the trade's size.

Sizes: ``amount`` is in USD for perpetual and inverse futures (``BTC-PERPETUAL``,
``ETH-27DEC25``), in the coin for linear ones (``SOL_USDC-PERPETUAL``: the base, an underscore
and the settlement currency), so USD = ``amount`` or ``amount`` × ``price``.  An instrument's coin
is the name before its first dash (``BTC``, ``SOL_USDC`` → SOL).

Two kinds of ``trades`` channel, told apart by the recorded channel name:

- ``trades.future.<currency>.100ms`` (``BTC``, ``ETH``, ``USDC``, ``USDT``: every future and
  perpetual of the currency) is read for its **liquidations only**;
- ``trades.<instrument>.100ms`` (the watched coins' perpetuals) for their **trades only**, block
  and combo trades left out (negotiated, not order flow).

So a liquidation counts once, a market nobody watches adds no trades, and with a CoinGlass key (no
currency channels) Deribit adds no liquidations.  ``raw`` channels need a login: ``100ms`` is the
public interval (Deribit aggregates notifications, not trades).

REST ``/api/v2/public/get_book_summary_by_currency?currency=…&kind=future``: the listing (the
``-PERPETUAL`` instruments), ``funding_8h`` (already per 8 h), ``open_interest`` (USD for inverse,
coins for linear: × ``mark_price``) and the mark price, dated by ``creation_timestamp``.

Live: ``public/subscribe`` one channel a message (its answer lists the channels granted, an empty
list is a refusal), paced at 5 a second; ``public/test`` every ``ping_interval_s`` keeps a quiet
line showing messages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import NOTHING, Adapter, Parsed, event_ms, finite, json_object, positive, read_event, rows
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.venue import Feed, Limits, Reply, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "Deribit"
SUMMARY_PATH = "/api/v2/public/get_book_summary_by_currency"
CURRENCIES = ("BTC", "ETH", "USDC", "USDT")
PERPETUAL = "-PERPETUAL"
PING = '{"jsonrpc":"2.0","id":0,"method":"public/test","params":{}}'

_TAKER_SIDES = {"buy": BUY, "sell": SELL}
_TAKER_LIQUIDATED = {"sell": LONG, "buy": SHORT}  # the liquidated taker's order closed its position
_MAKER_LIQUIDATED = {"buy": LONG, "sell": SHORT}  # the maker was on the other side of the taker


def _base(instrument: object) -> object:
    """``BTC-PERPETUAL`` → ``BTC``, ``SOL_USDC-PERPETUAL`` → ``SOL_USDC``, ``ETH-27DEC25`` → ``ETH``:
    a name :func:`engine.symbols.canonical` reads (anything else is left for it to refuse)."""
    return instrument.partition("-")[0] if instrument.__class__ is str else instrument  # type: ignore[union-attr]


def _usd(price: float, amount: float, base: object) -> float:
    """Linear instruments (``SOL_USDC``) are sized in the coin, inverse ones in USD."""
    return amount * price if base.__class__ is str and "_" in base else amount  # type: ignore[operator]


class DeribitAdapter(Adapter):
    name = "deribit"

    def __init__(self) -> None:
        # Coins by the base of their perpetual (BTC-PERPETUAL is kept as "BTC", SOL_USDC-PERPETUAL as
        # "SOL_USDC"); the first listing wins a coin both settle (BTC before BTC_USDC: inverse first).
        self.perpetuals = PerpetualMap(lambda coin: coin)

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        if frame.get("method") == "subscription":
            params = frame.get("params")
            channel = params.get("channel") if params.__class__ is dict else None
            data = params.get("data") if params.__class__ is dict else None
            if channel.__class__ is not str or not channel.startswith("trades."):  # type: ignore[union-attr]
                return [], ["unknown channel"]
            if data.__class__ is not list:
                return [], ["missing data"]
            every = channel.count(".") == 3  # type: ignore[union-attr]  # trades.future.BTC.100ms
            events: list[Event] = []
            rejects: list[str] = []
            for item in data:  # type: ignore[attr-defined]
                if item.__class__ is not dict:
                    rejects.append("item not an object")
                elif every:
                    self._liquidations(item, events, rejects)
                else:
                    self._trade(item, events, rejects)
            return events, rejects
        if frame.get("method") == "heartbeat" or "result" in frame:
            return NOTHING  # answers to subscribe and test
        if "error" in frame:
            return [], ["venue error"]
        return [], ["unknown message"]

    @staticmethod
    def _liquidations(item: dict, events: list[Event], rejects: list[str]) -> None:
        liquidated = item.get("liquidation")
        if liquidated is None:
            return  # an ordinary trade: the currency channel is read for liquidations only
        if liquidated not in ("T", "M", "MT"):
            rejects.append("unknown side")
            return
        get = item.get
        base = _base(get("instrument_name"))
        for whose, sides in (("T", _TAKER_LIQUIDATED), ("M", _MAKER_LIQUIDATED)):
            if whose in liquidated:
                event = read_event(Liquidation, VENUE_NAME, sides, get("direction"), get("price"), get("amount"),
                                   get("timestamp"), base, rejects, _usd)
                if event is not None:
                    events.append(event)

    @staticmethod
    def _trade(item: dict, events: list[Event], rejects: list[str]) -> None:
        get = item.get
        if get("block_trade_id") is not None or get("combo_id") is not None:
            return  # negotiated off the book: nobody took liquidity
        event = read_event(Trade, VENUE_NAME, _TAKER_SIDES, get("direction"), get("price"), get("amount"),
                           get("timestamp"), _base(get("instrument_name")), rejects, _usd)
        if event is not None:
            events.append(event)

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        if urlsplit(path).path != SUMMARY_PATH:
            return NOTHING
        body = json_object(raw)
        if body.__class__ is str:
            return [], ["rest bad body"]
        listed = rows(body.get("result"))
        if listed is None:
            return [], ["rest error"]  # {"jsonrpc": "2.0", "error": {"code": 10028, "message": "too_many_requests"}}
        perpetuals = [r for r in listed if r.get("instrument_name").__class__ is str
                      and r["instrument_name"].endswith(PERPETUAL)]
        self.perpetuals.learn(_base(r["instrument_name"]) for r in perpetuals)  # type: ignore[misc]
        events: list[Event] = []
        rejects: list[str] = []
        for row in perpetuals:
            base = _base(row["instrument_name"])
            if not self.perpetuals.is_primary(base):  # type: ignore[arg-type]
                continue  # BTC_USDC-PERPETUAL beside BTC-PERPETUAL: one contract a coin
            ts = event_ms(row.get("creation_timestamp"))
            rate = finite(row.get("funding_8h"))
            mark = positive(row.get("mark_price"))
            size = positive(row.get("open_interest"))
            if ts < 0 or (rate is None and mark < 0):
                rejects.append("rest bad row")
                continue
            coin, divisor = canonical(base)  # type: ignore[arg-type]
            oi = _usd(mark, size, base) if size > 0 and mark > 0 else None
            events.append(Context(ts, VENUE_NAME, coin, oi_usd=oi, funding=rate,
                                  price=mark / divisor if mark > 0 else None))
        return events, rejects


# Live: what the feed subscribes and asks.  The shared runner opens the socket from these.

def streams(feed: Feed, coins: list[str]) -> list[str]:
    """Every future's trades of each currency (for the liquidations, when this feed carries them),
    then the watched coins' perpetual trades, for the coins the listing named."""
    perpetuals = feed.adapter.perpetuals  # type: ignore[attr-defined]
    every = [f"trades.future.{currency}.100ms" for currency in CURRENCIES] if feed.liquidations else []
    named = (perpetuals.known(coin) for coin in coins)
    return every + [f"trades.{base}{PERPETUAL}.100ms" for base in named if base is not None]


def message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"jsonrpc": "2.0", "id": request, "method": f"public/{op}",
                         "params": {"channels": chunk}}).decode()


def reply(raw: str) -> Reply | None:
    """``{"jsonrpc": "2.0", "id": 3, "result": ["trades.BTC-PERPETUAL.100ms"]}``: granted when the
    channel is in the result (Deribit leaves out a channel it does not serve); an ``error`` refuses."""
    if len(raw) > 2000 or '"id"' not in raw or '"method"' in raw:
        return None
    answer = json_object(raw)
    if answer.__class__ is str or answer.get("id").__class__ is not int or answer["id"] == 0:
        return None  # id 0 is our public/test ping
    result = answer.get("result")
    return str(answer["id"]), result.__class__ is list and bool(result)


def context_paths(feed: Feed, coins: list[str]) -> list[str]:
    return [f"{SUMMARY_PATH}?currency={currency}&kind=future" for currency in CURRENCIES]


VENUE = Venue(
    name="deribit",
    title=VENUE_NAME,
    adapter=DeribitAdapter,
    settings=FeedSettings(ws_url="wss://www.deribit.com/ws/api/v2", rest_url="https://www.deribit.com",
                          ping_interval_s=20.0, min_trade_usd=0.0),  # public/test this often
    sockets=(Socket(
        streams=streams,
        message=message,
        limits=Limits(topics_per_message=1, messages_per_s=5.0, ping=PING),
        channel="channel",
        reply=reply,
        ready=lambda adapter: bool(adapter.perpetuals),  # type: ignore[attr-defined]
        instrument=lambda channel: channel.split(".")[-2] if channel.count(".") == 3 else channel.split(".")[1],
    ),),
    context=context_paths,
)
