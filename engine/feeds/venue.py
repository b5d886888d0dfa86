"""What a venue declares: its name, its pure adapter, its default settings, the connections it
opens and their limits.  One module per venue under ``engine/feeds/venues/`` holds a ``VENUE``;
the registry finds it there, the settings get its ``feeds.<name>`` block from it, and the shared
runner opens, shards, chunks, paces and keeps alive its sockets from these declarations
(cryptofeed's way: the venue says *what*, the runner does *how*).

A venue module never does I/O and never imports the network libraries: everything here is data
and pure functions of the adapter's state, so backtest and replay load a venue without them.

- :class:`Limits`: what one connection of the venue may carry (streams, topics a message,
  characters of subscription arguments, messages a second) and how it is kept alive (an
  application ping text, or protocol pings).  The runner opens as many connections as the
  streams need and never puts more on one than the limits allow.
- :class:`Socket`: one kind of connection (most venues have one; HTX has two endpoints): the URL,
  the stream names wanted for the watched coins, the text of a subscribe or unsubscribe message
  for a chunk of them, how to read a subscription answer (so a refused request is retried topic by
  topic and a stream refused alone is never asked again), frames to answer (a server ping),
  how to decode binary frames.
- :class:`Venue`: the feed: name, adapter, settings, sockets, the REST paths of one context poll
  round, whether it needs a key and whether it aggregates every other venue's liquidations.

The functions receive a :class:`Feed`: the live feed's settings, its adapter (the pipeline's own,
so the live side knows the venue's listing exactly as the parser does) and its role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.feeds.feed_settings import FeedSettings

if TYPE_CHECKING:
    from engine.feeds.adapter import Adapter
    from engine.secrets import Secrets

Deliver = Callable[[str, str, str, str, int], object]  # (src, kind, ch, raw, t_ms): the service's frame path


@dataclass(frozen=True)
class Limits:
    """One connection's limits, from the venue's documentation (0: none)."""

    streams_per_socket: int = 0  # Binance: 200
    topics_per_message: int = 50  # Bybit: 10; CoinGlass: 1 (a refused channel takes its message with it)
    chars_per_socket: int = 0  # Bybit: 21,000 characters of args a connection (each topic counts its quotes and comma)
    messages_per_s: float = 0.0  # Binance: 10 incoming messages a second, pings and pongs included
    ping: str | None = None  # an application ping text; None: protocol pings (the library answers the venue's)
    ping_idle_only: bool = False  # OKX: ping only when the line was quiet


@dataclass
class Feed:
    """One live feed as the declarations see it."""

    name: str
    settings: FeedSettings  # feeds.<name>
    adapter: Adapter  # the pipeline's adapter for this feed: it learned every REST body already
    liquidations: bool  # False for a venue while an aggregating feed (CoinGlass) carries every liquidation
    secrets: Secrets


# (request id, granted) of a subscription answer; a venue that answers per stream and names it
# instead of the request (Bitget v3) gives the refused stream's name in place of the id.
Reply = tuple[str, bool]


def _no_reply(raw: str) -> Reply | None:
    return None


def _no_answer(raw: str) -> list[str]:
    return []


def _utf8(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _ws_url(feed: Feed) -> str:
    return feed.settings.ws_url


def _ready(adapter: Adapter) -> bool:
    return True


def _itself(stream: str) -> str:
    return stream


def _one_family(stream: str) -> str:
    return ""


@dataclass(frozen=True)
class Socket:
    # (feed, watched coins) -> the stream names to carry; all-market streams first (they land on the first socket).
    streams: Callable[[Feed, list[str]], list[str]]
    # ("subscribe" | "unsubscribe", streams, request id) -> one text frame for that chunk.
    message: Callable[[str, list[str], int], str]
    url: Callable[[Feed], str] = _ws_url  # called on every connect; may carry a secret
    limits: Limits = field(default_factory=Limits)
    channel: str = ""  # the JSON key naming a frame's stream, near its start: the recording's ``ch``
    reply: Callable[[str], Reply | None] = _no_reply  # a subscription answer, or None for anything else
    answer: Callable[[str], list[str]] = _no_answer  # frames to send back for a received one (a server ping)
    decode: Callable[[bytes], str] = _utf8  # a binary frame as the text recorded and parsed
    ready: Callable[[Adapter], bool] = _ready  # open once the listing is in (at most LISTING_WAIT_S later)
    instrument: Callable[[str], str] = _itself  # a refused stream as the feed state names it (its symbol)
    # Streams of one family share a subscribe message, others never do (Gate: one channel a message).
    family: Callable[[str], str] = _one_family


@dataclass(frozen=True)
class Venue:
    name: str  # feed name: config key, recording ``src``, ``backtest --json``
    title: str  # as a trader writes it: "Binance", "CoinGlass"
    adapter: type[Adapter]
    settings: FeedSettings  # the defaults of feeds.<name>
    sockets: tuple[Socket, ...] = ()
    # (feed, watched coins) -> the REST paths (with query) of one context round; a generator may make
    # its later paths from what the earlier bodies taught the adapter.
    context: Callable[[Feed, list[str]], Iterable[str]] | None = None
    rest_headers: Callable[[Feed], dict[str, str]] | None = None
    # A context path the venue answers only to a POST: the JSON body to send to the path without its
    # query, else None (a GET).  Hyperliquid's /info reads {"type": ...}; the path keeps the type in
    # its query (/info?type=metaAndAssetCtxs), which is the recording's ``ch``, so a replay knows
    # which body it holds.
    post_body: Callable[[str], str | None] | None = None
    key: str = ""  # the Secrets field the feed needs ("" for a key-less venue)
    aggregate: bool = False  # carries every venue's liquidations: with it on, the others leave theirs to it
    auth_error: str = ""  # the one line shown when the venue refuses the credentials
    # (HTTP status, body) -> True when the venue asks us to slow down (HTTP 429, or a 429 in a 200 body)
    throttled: Callable[[int, str], bool] = lambda status, body: status == 429
