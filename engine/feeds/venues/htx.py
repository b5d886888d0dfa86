"""HTX (Huobi) USDT-margined swaps: frames and REST bodies → events.  Pure: no I/O, never raises.

HTX sends every WebSocket frame gzip-compressed; the feed records the decompressed text (the
socket's ``decode``), so a recording and this parser see plain JSON.  Two endpoints:

- Market data, ``<ws_url>/linear-swap-ws``: ``market.<contract>.trade.detail`` per watched
  coin (``{"sub": topic, "id": ...}``, answered ``{"id", "status": "ok", "subbed"}`` or
  ``"status": "error"`` with ``err-msg``).  ``tick.data[].direction`` is the *taker* side;
  ``trade_turnover`` the notional in USDT (``quantity`` coins × ``price``; ``amount`` is in
  contracts and not read).  A subscription opens with the contract's last trade, again after a
  reconnect: a trade id (``id``, unique per contract) already seen is dropped.  HTX pings every 5 s
  with ``{"ping": <n>}`` and wants ``{"pong": <n>}``; it cuts a client that ignored 5 pings.
- Notifications, ``<ws_url>/linear-swap-notification``: ``public.*.liquidation_orders`` (every
  swap contract: ``{"op": "sub", "cid", "topic", "business_type": "swap"}``, answered ``op``
  ``sub`` with ``err-code`` 0), pushed as ``{"op": "notify", "topic", "data": [...]}``.
  ``direction`` is the side of the forced *order* (``offset`` ``close``): ``sell`` closed a LONG,
  ``buy`` a SHORT.  ``trade_turnover`` is the liquidated notional in USDT, ``price`` the bankruptcy
  price, ``created_at`` ms.  HTX pings with ``{"op": "ping", "ts": "<ms>"}`` and wants the ``ts``
  back unchanged (a string stays a string, a number a number).

Multiplier contracts (``1000SATS-USDT``) are the coin at 1/1000 of the price, the USD unchanged.

REST (``{"status": "ok", "data": [...], "ts": ...}``): ``swap_contract_info`` is the listing (swap
contracts in status 1, listed), ``swap_batch_funding_rate`` every contract's current funding
rate (HTX settles every 8 hours), ``swap_open_interest`` every contract's open interest in USDT
(``value``).
"""

from __future__ import annotations

import gzip
import zlib
from urllib.parse import urlsplit

import orjson

from engine.feeds.adapter import NOTHING, Adapter, Parsed, envelope, event_ms, finite, json_object, positive, \
    read_event, read_items, rows
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.instruments import PerpetualMap
from engine.feeds.seen import SeenIds
from engine.feeds.venue import Feed, Limits, Reply, Socket, Venue
from engine.model import BUY, LONG, SELL, SHORT, Context, Event, Liquidation, Trade
from engine.symbols import canonical

VENUE_NAME = "HTX"
CONTRACTS_PATH = "/linear-swap-api/v1/swap_contract_info"
FUNDING_PATH = "/linear-swap-api/v1/swap_batch_funding_rate"
OI_PATH = "/linear-swap-api/v1/swap_open_interest"
LIQUIDATIONS = "public.*.liquidation_orders"  # every swap contract

_TAKER_SIDES = {"buy": BUY, "sell": SELL}
_LIQ_SIDES = {"sell": LONG, "buy": SHORT}  # the forced order closed the position


def _is_usdt_swap(code: object) -> bool:
    return code.__class__ is str and code.endswith("-USDT")  # type: ignore[union-attr]


class HtxAdapter(Adapter):
    name = "htx"

    def __init__(self) -> None:
        self.perpetuals = PerpetualMap(lambda coin: f"{coin}-USDT")
        self.seen = SeenIds()

    # WebSocket

    def parse_ws(self, raw: str, receive_ms: int) -> Parsed:
        frame = json_object(raw)
        if frame.__class__ is str:
            return [], [frame]
        ch = frame.get("ch")
        if ch.__class__ is str:
            if ch.endswith(".trade.detail"):  # type: ignore[union-attr]
                tick = frame.get("tick")
                code = ch.split(".")[1]  # type: ignore[union-attr]
                return read_items(tick.get("data") if tick.__class__ is dict else None,
                                  lambda item, rejects: self._trade(item, code, rejects))
            return [], ["unknown channel"]
        op = frame.get("op")
        if op == "notify":
            topic = frame.get("topic")
            if topic.__class__ is str and topic.endswith(".liquidation_orders"):  # type: ignore[union-attr]
                return read_items(frame.get("data"), self._liquidation)
            return [], ["unknown topic"]
        if "ping" in frame or op == "ping" or op == "pong":
            return NOTHING  # heartbeats (answered by the socket)
        if op == "sub" or op == "unsub":
            return NOTHING if frame.get("err-code") == 0 else ([], ["venue error"])
        if op == "error" or op == "close" or frame.get("status") == "error":
            return [], ["venue error"]
        if frame.get("status") == "ok":
            return NOTHING  # {"id": "7", "status": "ok", "subbed": ...}
        return [], ["unknown message"]

    def _trade(self, item: object, code: str, rejects: list[str]) -> Event | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        trade_id = get("id")
        if (trade_id.__class__ is int or trade_id.__class__ is str) and not self.seen.first_time((code, trade_id)):
            return None  # a subscription's opening trade, sent again after a reconnect
        return read_event(Trade, VENUE_NAME, _TAKER_SIDES, get("direction"), get("price"), get("trade_turnover"),
                          get("ts"), code, rejects, None)  # trade_turnover: USDT already

    @staticmethod
    def _liquidation(item: object, rejects: list[str]) -> Event | None:
        if item.__class__ is not dict:
            rejects.append("item not an object")
            return None
        get = item.get  # type: ignore[attr-defined]
        return read_event(Liquidation, VENUE_NAME, _LIQ_SIDES, get("direction"), get("price"), get("trade_turnover"),
                          get("created_at"), get("contract_code"), rejects, None)

    # REST

    def parse_rest(self, path: str, raw: str, receive_ms: int) -> Parsed:
        route = urlsplit(path).path
        if route not in (CONTRACTS_PATH, FUNDING_PATH, OI_PATH):
            return NOTHING
        body = envelope(raw, "status", ("ok",))
        if body.__class__ is str:
            return [], [body]
        listed = rows(body.get("data"))
        if listed is None:
            return [], ["rest bad body"]
        if route == CONTRACTS_PATH:
            self.perpetuals.learn(r["contract_code"] for r in listed
                                  if _is_usdt_swap(r.get("contract_code")) and r.get("contract_status") == 1
                                  and r.get("business_type", "swap") == "swap")
            return NOTHING
        ts = event_ms(body.get("ts"))
        if ts < 0:
            return [], ["rest bad body"]
        events: list[Event] = []
        rejects: list[str] = []
        for row in listed:
            code = row.get("contract_code")
            if not _is_usdt_swap(code) or not self.perpetuals.is_primary(code):  # type: ignore[arg-type]
                continue  # dated futures (BTC-USDT-250926) and multiplier twins would count a coin twice
            coin = canonical(code)[0]  # type: ignore[arg-type]
            if route == FUNDING_PATH:
                rate = finite(row.get("funding_rate"))
                if rate is None:
                    rejects.append("rest bad row")
                    continue
                events.append(Context(ts, VENUE_NAME, coin, funding=rate))  # HTX settles every 8 h
            else:
                value = positive(row.get("value"))
                if value < 0:
                    rejects.append("rest bad row")
                    continue
                events.append(Context(ts, VENUE_NAME, coin, oi_usd=value))
        return events, rejects


# Live: what the feed subscribes and asks.  The shared runner opens the sockets from these.

def gunzip(data: bytes) -> str:
    """A binary HTX frame (gzip) as its text; a frame that is not gzip is kept as it came."""
    try:
        return gzip.decompress(data).decode("utf-8", "replace")
    except (OSError, EOFError, zlib.error):
        return data.decode("utf-8", "replace")


def trade_streams(feed: Feed, coins: list[str]) -> list[str]:
    """``market.<contract>.trade.detail`` of the watched coins HTX lists (all of them, under
    ``<COIN>-USDT``, until a listing arrived)."""
    perpetuals = feed.adapter.perpetuals  # type: ignore[attr-defined]
    return [f"market.{code}.trade.detail" for code in perpetuals.listed_instruments(coins)]


def trade_message(op: str, chunk: list[str], request: int) -> str:
    return orjson.dumps({"sub" if op == "subscribe" else "unsub": chunk[0], "id": str(request)}).decode()


def trade_reply(raw: str) -> Reply | None:
    """``{"id": "7", "status": "ok", "subbed": ...}``, or ``"status": "error"``: the answer to 7."""
    if len(raw) > 1000 or '"status"' not in raw or '"ch"' in raw:
        return None
    answer = json_object(raw)
    if answer.__class__ is str or answer.get("id").__class__ is not str or "unsubbed" in answer:
        return None
    return answer["id"], answer.get("status") == "ok"


def pong(raw: str) -> list[str]:
    """``{"ping": 1645289389594}`` → ``{"pong": 1645289389594}``."""
    if len(raw) > 100 or '"ping"' not in raw:
        return []
    ping = json_object(raw)
    return [orjson.dumps({"pong": ping["ping"]}).decode()] if ping.__class__ is dict and "ping" in ping else []


def liquidation_streams(feed: Feed, coins: list[str]) -> list[str]:
    return [LIQUIDATIONS] if feed.liquidations else []


def notification_message(op: str, chunk: list[str], request: int) -> str:
    body: dict[str, str] = {"op": "sub" if op == "subscribe" else "unsub", "cid": str(request), "topic": chunk[0]}
    if op == "subscribe":
        body["business_type"] = "swap"  # "*" needs it: every swap contract, no dated futures
    return orjson.dumps(body).decode()


def notification_reply(raw: str) -> Reply | None:
    """``{"op": "sub", "cid": "3", "topic": ..., "err-code": 0}``: granted when the code is 0."""
    if len(raw) > 1000 or '"cid"' not in raw:
        return None
    answer = json_object(raw)
    if answer.__class__ is str or answer.get("op") != "sub" or answer.get("cid").__class__ is not str:
        return None
    return answer["cid"], answer.get("err-code") == 0


def op_pong(raw: str) -> list[str]:
    """``{"op": "ping", "ts": "1492420473058"}`` → ``{"op": "pong", "ts": "1492420473058"}``: ``ts``
    unchanged, a string or a number as it came."""
    if len(raw) > 100 or '"ping"' not in raw:
        return []
    ping = json_object(raw)
    if ping.__class__ is not dict or ping.get("op") != "ping" or "ts" not in ping:
        return []
    return [orjson.dumps({"op": "pong", "ts": ping["ts"]}).decode()]


def context_paths(feed: Feed, coins: list[str]) -> list[str]:
    """The listing, then every swap's funding and open interest: three bodies a round."""
    return [f"{CONTRACTS_PATH}?business_type=swap", FUNDING_PATH, f"{OI_PATH}?business_type=swap"]


def _endpoint(path: str):
    return lambda feed: f"{feed.settings.ws_url.rstrip('/')}{path}"


VENUE = Venue(
    name="htx",
    title=VENUE_NAME,
    adapter=HtxAdapter,
    settings=FeedSettings(ws_url="wss://api.hbdm.com", rest_url="https://api.hbdm.com",
                          ping_interval_s=20.0, min_trade_usd=0.0),  # HTX pings every 5 s and we answer
    sockets=(
        Socket(
            streams=trade_streams,
            message=trade_message,
            url=_endpoint("/linear-swap-ws"),
            # One topic a message; at most 40 subscriptions a second on a connection.
            limits=Limits(topics_per_message=1, messages_per_s=20.0),
            channel="ch",
            reply=trade_reply,
            answer=pong,
            decode=gunzip,
            ready=lambda adapter: bool(adapter.perpetuals),  # type: ignore[attr-defined]
            instrument=lambda topic: topic.split(".")[1] if topic.count(".") >= 2 else topic,
        ),
        Socket(
            streams=liquidation_streams,
            message=notification_message,
            url=_endpoint("/linear-swap-notification"),
            limits=Limits(topics_per_message=1, messages_per_s=20.0),
            channel="topic",
            reply=notification_reply,
            answer=op_pong,
            decode=gunzip,
        ),
    ),
    context=context_paths,
)
