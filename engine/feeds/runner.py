"""The one connection runner every live feed plugs into (cryptofeed-style).

A venue declares its connections in its module (:mod:`engine.feeds.venue`); the socket pool
(:mod:`engine.feeds.pool`) shards its streams over as many connections as the venue's limits
need, and each connection is a :class:`WsRunner`: connect, subscribe the streams assigned to it,
keep the line alive, watch for silence, reconnect with backoff and jitter, resubscribe everything
after a reconnect (streams added at run time included), and report its health.  A
:class:`LiveFeed` bundles a feed's pools and REST pollers (:class:`engine.feeds.poller.RestPoller`)
and shows them as one :class:`FeedState`.

A :class:`WsSpec` is what one connection needs to know::

    WsSpec(
        name="bybit",                          # recording ``src`` = adapter name in the pipeline
        url=lambda: "wss://...",               # called on every connect; may carry a secret
        messages=lambda op, streams: [...],    # "subscribe"/"unsubscribe" text frames for streams
        answer=lambda raw: [...],              # frames to send back for a received one
        app_ping='{"op":"ping"}',              # None: protocol pings every ping_interval_s
        channel=channel_field("topic"),        # a frame's recording ``ch``, cheaply
    )

Subscriptions are kept as stream names: :meth:`WsRunner.assign` gives the connection a new list,
and it subscribes the names that are new and unsubscribes the ones that are gone.

``deliver(src, kind, ch, raw, t)`` is the service's frame path: record the raw text, run it
through ``Pipeline.feed``, fan the signals out.  The runner calls it synchronously for every
frame, exactly as received (binary frames decoded by the spec's ``decode``), ``t`` the receive
time in ms.

Keepalive: with ``app_ping`` the runner sends that text every ``ping_interval_s`` (CoinGlass and
Bybit; ``ping_idle_only`` for OKX, which wants it only when the line was quiet); without it the
runner sends protocol pings (none when ``ping_interval_s`` is 0), and the websockets library always
answers the server's pings (Binance).  Any received message, pongs included, feeds the watchdog (a
quiet market is not a dead line): nothing for ``watchdog_s`` closes the socket and reconnects.  A
connection older than ``max_connection_age_s`` is replaced before the venue cuts it.  Reconnect
delays run from ``backoff_initial_s`` to ``backoff_max_s``; they restart from the bottom once a
connection has delivered messages and stayed up at least ``backoff_max_s`` (a venue that answers
one line and hangs up would otherwise be redialled every second, for ever).  HTTP 401/403 on
connect means the credentials are wrong: the runner stops for good with ``fatal`` set and the
spec's ``auth_error`` line.  ``messages_per_s`` paces what the runner sends (Binance counts every
incoming message, pongs included, against 10 a second).

Wall clock is used here only for timeouts, pings and backoff, never handed to the engine (the
receive time ``t`` is data, recorded with the frame).  Every error text passes through the
``redact`` function before it is kept, so a key in a URL never reaches a log or the UI.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from engine.backoff import Backoff
from engine.feeds.adapter import FeedCounters
from engine.feeds.errors import describe
from engine.feeds.feed_settings import FeedSettings
from engine.feeds.venue import Deliver
from engine.secrets import redact as redact_text
from engine.snapshot import FeedState

log = logging.getLogger("teleglas.feeds")

MAX_FRAME_BYTES = 16 * 1024 * 1024  # a CoinGlass liquidation burst can be large; refuse only absurd frames
_CLOSE_TIMEOUT_S = 2.0  # a dead peer must not hold a reconnect for the library's default 10 s


def channel_field(key: str) -> Callable[[str], str]:
    """A cheap ``ch`` extractor: the string value of ``key`` near the start of a JSON frame.

    Venues put the stream name first (``{"stream":...``, ``{"channel":...``, ``{"topic":...``,
    OKX ``{"arg":{"channel":...``), so a regex over the first 256 characters avoids a second JSON
    parse per frame.  Frames without it (pongs, acks, garbage) give ``""``.
    """
    pattern = re.compile(r'"%s"\s*:\s*"([^"]*)"' % re.escape(key))

    def channel(raw: str) -> str:
        match = pattern.search(raw, 0, 256)
        return match.group(1) if match else ""

    return channel


def _no_messages(op: str, streams: list[str]) -> list[str]:
    return []


def _utf8(data: bytes) -> str:
    return data.decode("utf-8", "replace")


@dataclass(frozen=True)
class WsSpec:
    name: str
    url: Callable[[], str]
    messages: Callable[[str, list[str]], list[str]] = _no_messages
    answer: Callable[[str], list[str]] | None = None
    app_ping: str | None = None
    ping_idle_only: bool = False
    channel: Callable[[str], str] = lambda raw: ""
    decode: Callable[[bytes], str] = _utf8
    messages_per_s: float = 0.0  # 0: unpaced
    auth_error: str = ""  # the one line shown when the venue refuses our credentials


class Link:
    """One connection of a feed (a socket or a REST poller) and what it reports."""

    def __init__(self, name: str, redact: Callable[[str], str]) -> None:
        self.name = name
        self.redact = redact
        self.status = "connecting"  # connecting / live / stale / down
        self.detail = ""  # last error, one line, redacted
        self.fatal = False  # stopped for good (credentials refused)
        self.reconnects = 0
        self.last_rx: float | None = None  # monotonic time of the last message
        self._stopped = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopped.is_set()

    def fail(self, detail: str) -> None:
        self.detail = self.redact(detail).replace("\n", " ")[:300]
        log.debug("%s: %s", self.name, self.detail)

    def give_up(self, detail: str) -> None:
        self.fail(detail)
        self.fatal = True
        self.status = "down"

    async def pause(self, seconds: float) -> bool:
        """Sleep unless stopped first; True when stopped."""
        try:
            await asyncio.wait_for(self._stopped.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        raise NotImplementedError

    def set_coins(self, coins: list[str]) -> None:
        """The watched coins changed."""

    def sockets(self) -> list[WsRunner]:
        """The WebSocket connections this link runs (a pool: as many as its streams need)."""
        return []

    async def stop(self) -> None:
        self._stopped.set()


class WsRunner(Link):
    def __init__(self, spec: WsSpec, settings: FeedSettings, deliver: Deliver, streams: list[str] = (),  # type: ignore[assignment]
                 redact: Callable[[str], str] = redact_text) -> None:
        super().__init__(spec.name, redact)
        self.spec = spec
        self.settings = settings
        self.deliver = deliver
        self.streams: list[str] = list(streams)  # what this connection should carry, by the venue's names
        self.subscribed: list[str] = []  # what it asked for on the current connection
        self.connections = 0
        self._ws: ClientConnection | None = None
        self._opened = 0.0
        self._closing = ""  # why we closed the socket ourselves
        self._sends: set[asyncio.Task] = set()
        self._sending = asyncio.Lock()
        self._next_send = 0.0  # monotonic time the next frame may go (messages_per_s)
        self.backoff = Backoff(settings.backoff_initial_s, settings.backoff_max_s)

    def sockets(self) -> list[WsRunner]:
        return [self]

    async def run(self) -> None:
        while not self.stopping:
            self.status = "connecting"
            if await self._connect_once():
                self.backoff.reset()
            if self.stopping or self.fatal:
                break
            self.status = "down"
            self.reconnects += 1
            if await self.pause(self.backoff.next()):
                break
        self.status = "down"

    async def stop(self) -> None:
        await super().stop()
        ws = self._ws
        if ws is not None:
            self._closing = "stopped"
            await ws.close()

    def assign(self, streams: list[str]) -> None:
        """Carry ``streams`` from now on: the names that are new are subscribed, the names no
        longer wanted unsubscribed (on the next connection, all of them are subscribed anyway)."""
        self.streams = list(streams)
        ws = self._ws
        if ws is None:
            return
        wanted = set(self.streams)
        asked = set(self.subscribed)
        gone = [name for name in self.subscribed if name not in wanted]
        added = [name for name in self.streams if name not in asked]
        self.subscribed = list(self.streams)
        # Unsubscribe first: a venue counting streams a connection frees the room before it fills it.
        frames = (self.spec.messages("unsubscribe", gone) if gone else []) + (
            self.spec.messages("subscribe", added) if added else [])
        self._later(ws, frames)

    def forget(self, stream: str) -> None:
        """The venue refused ``stream``: it is neither carried nor unsubscribed any more."""
        if stream in self.streams:
            self.streams.remove(stream)
        if stream in self.subscribed:
            self.subscribed.remove(stream)

    def _later(self, ws: ClientConnection, frames: list[str]) -> None:
        if frames:
            task = asyncio.get_running_loop().create_task(self._send(ws, frames))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    async def _send(self, ws: ClientConnection, frames: list[str]) -> None:
        spacing = 1.0 / self.spec.messages_per_s if self.spec.messages_per_s else 0.0
        try:
            async with self._sending:
                for frame in frames:
                    if spacing:
                        wait = self._next_send - time.monotonic()
                        if wait > 0:
                            await asyncio.sleep(wait)
                        self._next_send = max(self._next_send, time.monotonic()) + spacing
                    await ws.send(frame)
        except WebSocketException:
            pass  # the socket is going; the next connection resubscribes everything

    async def _connect_once(self) -> bool:
        """One connection from open to close; True when it was healthy: delivered messages and
        stayed up at least ``backoff_max_s``."""
        s, spec = self.settings, self.spec
        before = self.last_rx
        self._closing = ""
        try:
            # Protocol pings are sent by _keep, which sees their pongs (the library's keepalive hides them).
            async with connect(spec.url(), ping_interval=None, open_timeout=s.watchdog_s, close_timeout=_CLOSE_TIMEOUT_S,
                               max_size=MAX_FRAME_BYTES) as ws:
                self._ws = ws
                if self.stopping:
                    return False
                self._opened = time.monotonic()
                self.connections += 1
                self.status = "live"
                self.subscribed = list(self.streams)
                await self._send(ws, spec.messages("subscribe", self.subscribed) if self.subscribed else [])
                keeper = asyncio.get_running_loop().create_task(self._keep(ws))
                try:
                    await self._receive(ws)
                finally:
                    keeper.cancel()
                if not self._closing:
                    self.fail(f"server closed the connection (code {ws.close_code})")
                elif self._closing != "stopped":
                    self.fail(self._closing)
        except InvalidStatus as exc:
            code = exc.response.status_code
            if code in (401, 403):
                self.give_up(spec.auth_error or f"{spec.name} refused the connection (HTTP {code})")
            else:
                self.fail(f"connect failed: HTTP {code}")
        except (OSError, TimeoutError, WebSocketException) as exc:
            self.fail(describe(exc))
        except Exception as exc:  # a bug must cost a reconnect, never the feed
            log.exception("%s: unexpected error", self.name)
            self.fail(f"unexpected {type(exc).__name__}")
        finally:
            self._ws = None
        delivered = self.last_rx is not None and self.last_rx != before
        return delivered and time.monotonic() - self._opened >= s.backoff_max_s

    async def _receive(self, ws: ClientConnection) -> None:
        name, deliver, channel, answer = self.spec.name, self.deliver, self.spec.channel, self.spec.answer
        decode = self.spec.decode
        async for raw in ws:
            if raw.__class__ is bytes:
                raw = decode(raw)  # type: ignore[arg-type]
            self.last_rx = time.monotonic()
            self.status = "live"
            deliver(name, "ws", channel(raw), raw, time.time_ns() // 1_000_000)  # type: ignore[arg-type]
            if answer is not None:
                self._later(ws, answer(raw))  # type: ignore[arg-type]

    async def _keep(self, ws: ClientConnection) -> None:
        """Application pings, the no-message watchdog, the connection age limit."""
        s, ping = self.settings, self.spec.app_ping
        interval = s.ping_interval_s
        tick = min(1.0, s.watchdog_s / 4, interval / 4 if interval else 1.0)
        last_ping = self._opened
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            quiet = now - max(self.last_rx or 0.0, self._opened)
            if quiet > s.watchdog_s:
                self._closing = f"no message for {s.watchdog_s:g} s: reconnecting"
            elif now - self._opened > s.max_connection_age_s:
                self._closing = "connection age limit reached: reconnecting"
            if self._closing:
                await ws.close()
                return
            self.status = "stale" if quiet > s.watchdog_s / 2 else "live"
            due = interval - tick  # a ping goes out by ``interval``, not up to a tick after it
            if interval and now - last_ping >= due and (not self.spec.ping_idle_only or quiet >= due):
                last_ping = now
                if ping is None:
                    await self._protocol_ping(ws)
                else:
                    await self._send(ws, [ping])

    async def _protocol_ping(self, ws: ClientConnection) -> None:
        try:
            pong = await ws.ping()
        except WebSocketException:
            return  # the socket is going
        pong.add_done_callback(self._ponged)  # type: ignore[attr-defined]

    def _ponged(self, pong: asyncio.Future) -> None:
        if not pong.cancelled() and pong.exception() is None:
            self.last_rx = time.monotonic()


_ORDER = {"live": 0, "stale": 1, "connecting": 2, "down": 3}


class LiveFeed:
    """One named feed: its sockets and pollers run together and show as one :class:`FeedState`.

    The sockets decide the state (a REST hiccup does not make a streaming feed look down); a link
    that gave up (credentials refused) makes the whole feed ``down`` with its reason.  The
    reconnect count is the feed's, not the sum of its connections': when the network goes, every
    socket of a feed redials on its own, and a feed of three sockets would climb three times as
    fast as a feed of one (Bybit's ↻23 against Binance's ↻7) for the same outage.  It is the
    count of the connection that reconnected most.
    """

    def __init__(self, name: str, links: list[Link]) -> None:
        self.name = name
        self.links = links

    async def run(self) -> None:
        await asyncio.gather(*(link.run() for link in self.links))

    async def stop(self) -> None:
        await asyncio.gather(*(link.stop() for link in self.links))  # each close may wait on a dead peer

    def set_coins(self, coins: list[str]) -> None:
        for link in self.links:
            link.set_coins(coins)

    @property
    def fatal(self) -> bool:
        return any(link.fatal for link in self.links) or any(s.fatal for link in self.links for s in link.sockets())

    def refused(self) -> list[str]:
        """What the venue refused to subscribe, by the names the feed state shows."""
        return sorted({name for link in self.links for name in getattr(link, "refused_names", list)()})

    def state(self, counters: FeedCounters | None = None) -> FeedState:
        sockets: list[Link] = [s for link in self.links for s in link.sockets()]
        parts = sockets + [link for link in self.links if not link.sockets()]
        shown = sockets or self.links
        dead = [link for link in parts if link.fatal]
        status = "down" if dead else max((link.status for link in shown), key=_ORDER.__getitem__)
        detail = next((link.detail for link in dead or parts if link.detail), "")
        seen = [link.last_rx for link in parts if link.last_rx is not None]
        counters = counters or FeedCounters()
        return FeedState(
            name=self.name,
            state=status,
            last_message_age_s=time.monotonic() - max(seen) if seen else None,
            reconnects=max((link.reconnects for link in parts), default=0),
            frames=counters.frames,
            events=counters.events,
            rejected=counters.rejected,
            detail=detail,
            reasons=dict(counters.reasons),
            refused=self.refused(),
        )


__all__ = ["Deliver", "Link", "LiveFeed", "WsRunner", "WsSpec", "channel_field"]
