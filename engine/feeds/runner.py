"""The one connection runner every live feed plugs into (cryptofeed-style).

A venue describes its socket with a :class:`WsSpec`; :class:`WsRunner` does everything else:
connect, subscribe the watched coins, keep the connection alive, watch for silence, reconnect with
backoff and jitter, resubscribe everything after a reconnect (coins added at run time included),
and report its health.  A :class:`LiveFeed` bundles a feed's sockets and REST pollers
(:class:`engine.context.poller.RestPoller`) and shows them as one :class:`FeedState`.

API for a venue module (``engine/feeds/<venue>.py``)::

    from engine.feeds.runner import Deliver, LiveFeed, WsRunner, WsSpec, channel_field

    def live_feed(settings, secrets, coins, deliver, *, liquidations) -> LiveFeed:
        s = settings.feeds.bybit
        spec = WsSpec(
            name="bybit",                          # recording ``src`` = adapter name in the pipeline
            url=lambda: s.ws_url,                  # called on every connect; may carry a secret
            streams=lambda coins: [...],           # the venue's stream names for these coins
            messages=lambda op, streams: [...],    # "subscribe"/"unsubscribe" text frames for them
            subscribe_global=(...,),               # sent once per connection (all-market streams)
            app_ping='{"op":"ping"}',              # None: protocol pings every ping_interval_s
            channel=channel_field("topic"),        # a frame's recording ``ch``, cheaply
        )
        return LiveFeed("bybit", [WsRunner(spec, s, deliver, coins)])

Subscriptions are kept as stream names: a change of the watched coins, or of the venue's names
for them (:meth:`WsRunner.refresh`, when a listing arrives), subscribes the names that are new and
unsubscribes the ones that are gone.  ``answer(raw)`` (optional) sees every received frame and
gives frames to send back (Bybit retries a refused subscribe request topic by topic); ``refused()``
names the streams the venue refused, for the feed state.

``deliver(src, kind, ch, raw, t)`` is the service's frame path: record the raw text, run it
through ``Pipeline.feed``, fan the signals out.  The runner calls it synchronously for every
frame, exactly as received (bytes decoded as UTF-8), ``t`` the receive time in ms.

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
spec's ``auth_error`` line.

Wall clock is used here only for timeouts, pings and backoff, never handed to the engine (the
receive time ``t`` is data, recorded with the frame).  Every error text passes through the
``redact`` function before it is kept, so a key in a URL never reaches a log or the UI.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from engine.backoff import Backoff
from engine.feeds.errors import describe
from engine.feeds.adapter import FeedCounters
from engine.secrets import redact as redact_text
from engine.settings import FeedSettings
from engine.snapshot import FeedState

log = logging.getLogger("teleglas.feeds")

Deliver = Callable[[str, str, str, str, int], object]  # (src, kind, ch, raw, t_ms)

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


def _no_streams(coins: list[str]) -> list[str]:
    return []


def _no_messages(op: str, streams: list[str]) -> list[str]:
    return []


@dataclass(frozen=True)
class WsSpec:
    name: str
    url: Callable[[], str]
    streams: Callable[[list[str]], list[str]] = _no_streams
    messages: Callable[[str, list[str]], list[str]] = _no_messages
    subscribe_global: Sequence[str] = ()
    answer: Callable[[str], list[str]] | None = None
    refused: Callable[[], Collection[str]] = tuple
    app_ping: str | None = None
    ping_idle_only: bool = False
    channel: Callable[[str], str] = lambda raw: ""
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

    async def stop(self) -> None:
        self._stopped.set()


class WsRunner(Link):
    def __init__(self, spec: WsSpec, settings: FeedSettings, deliver: Deliver, coins: list[str],
                 redact: Callable[[str], str] = redact_text) -> None:
        super().__init__(spec.name, redact)
        self.spec = spec
        self.settings = settings
        self.deliver = deliver
        self.coins = list(coins)
        self.streams: list[str] = []  # what this connection subscribed, by the venue's names
        self.connections = 0
        self._ws: ClientConnection | None = None
        self._opened = 0.0
        self._closing = ""  # why we closed the socket ourselves
        self._sends: set[asyncio.Task] = set()
        self.backoff = Backoff(settings.backoff_initial_s, settings.backoff_max_s)

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

    def set_coins(self, coins: list[str]) -> None:
        self.coins = list(coins)
        self.refresh()

    def refresh(self) -> None:
        """Bring the connection's subscriptions to what the watched coins need now: stream names
        that are new are subscribed, names no longer needed unsubscribed (the venue's name for a
        coin can change when its listing arrives: ``pepeusdt`` becomes ``1000pepeusdt``)."""
        ws = self._ws
        if ws is None:
            return  # the next connection subscribes the new list
        want = self.spec.streams(self.coins)
        added = [name for name in want if name not in self.streams]
        gone = [name for name in self.streams if name not in want]
        self.streams = want
        frames = (self.spec.messages("subscribe", added) if added else []) + (
            self.spec.messages("unsubscribe", gone) if gone else [])
        self._later(ws, frames)

    def _later(self, ws: ClientConnection, frames: list[str]) -> None:
        if frames:
            task = asyncio.get_running_loop().create_task(self._send(ws, frames))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    async def _send(self, ws: ClientConnection, frames: list[str]) -> None:
        try:
            for frame in frames:
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
                self.streams = spec.streams(self.coins)
                await self._send(ws, [*spec.subscribe_global, *spec.messages("subscribe", self.streams)])
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
        async for raw in ws:
            if raw.__class__ is bytes:
                raw = raw.decode("utf-8", "replace")  # type: ignore[union-attr]
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
    that gave up (credentials refused) makes the whole feed ``down`` with its reason.
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
        return any(link.fatal for link in self.links)

    def state(self, counters: FeedCounters | None = None) -> FeedState:
        links = self.links
        sockets = [link for link in links if isinstance(link, WsRunner)] or links
        dead = [link for link in links if link.fatal]
        status = "down" if dead else max((link.status for link in sockets), key=_ORDER.__getitem__)
        detail = next((link.detail for link in dead or links if link.detail), "")
        seen = [link.last_rx for link in links if link.last_rx is not None]
        counters = counters or FeedCounters()
        return FeedState(
            name=self.name,
            state=status,
            last_message_age_s=time.monotonic() - max(seen) if seen else None,
            reconnects=sum(link.reconnects for link in links),
            frames=counters.frames,
            events=counters.events,
            rejected=counters.rejected,
            detail=detail,
            reasons=dict(counters.reasons),
            refused=sorted({name for link in sockets if isinstance(link, WsRunner) for name in link.spec.refused()}),
        )


__all__ = ["Deliver", "Link", "LiveFeed", "WsRunner", "WsSpec", "channel_field"]
