"""A venue's connections of one kind, sharded and chunked from its declared :class:`Limits`.

The pool asks the venue's :class:`Socket` which streams the feed wants (the watched coins' trades,
the all-market liquidation streams, on Bybit one per listed symbol) and places each on a
connection with room: at most ``streams_per_socket`` streams and ``chars_per_socket`` characters
of subscription arguments on one, a new connection opened when none has room.  A stream stays on
its connection while it is wanted (a listing that grows adds streams, it never moves them), so a
change subscribes and unsubscribes only what changed.  Subscribe messages carry at most
``topics_per_message`` streams and a request id; when the venue's answer refuses a request of
several streams, each is asked again alone, and a stream refused alone is remembered and never
asked again (Bybit fails a whole request for one symbol it has no handler for: one bad symbol
costs only itself).  Refused streams show in the feed state, by their symbol.

What the feed wants depends on the listing its adapter learns from the first REST bodies (the
venue's name for a coin's contract, ``1000PEPEUSDT``; on OKX what a contract is worth).  The pool
opens its connections once the socket's ``ready(adapter)`` says the listing is in, at most
``wait_s`` later (a venue whose REST is down still streams, under the usual names, or stops
waiting at once when another part of the feed gave up: a refused key says so on the socket too).
Every REST body the feed receives calls :meth:`SocketPool.refresh`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable

from engine.feeds.runner import Link, WsRunner, WsSpec, channel_field
from engine.feeds.venue import Deliver, Feed, Socket, Venue

log = logging.getLogger("teleglas.feeds")

LISTING_WAIT_S = 10.0
_POLL_S = 0.05
_MAX_ASKED = 10_000  # unanswered requests kept (a connection that dropped never answers its own)


def _cost(stream: str) -> int:
    return len(stream) + 3  # its quotes and comma in an args array


class SocketPool(Link):
    def __init__(self, venue: Venue, socket: Socket, feed: Feed, deliver: Deliver, coins: list[str], *,
                 gave_up: Callable[[], bool] = lambda: False, wait_s: float = LISTING_WAIT_S) -> None:
        super().__init__(venue.name, feed.secrets.redact)
        self.socket = socket
        self.feed = feed
        self.deliver = deliver
        self.coins = list(coins)
        self.gave_up = gave_up
        self.wait_s = wait_s
        self.refused: set[str] = set()
        self._runners: list[WsRunner] = []
        self._asked: dict[str, list[str]] = {}  # request id -> streams of a subscribe not yet answered
        self._ids = itertools.count(1)
        self._tasks: list[asyncio.Task] = []
        self._started = False
        self._grown = asyncio.Event()
        limits = socket.limits
        self._spec = WsSpec(
            name=venue.name,
            url=lambda: socket.url(feed),
            messages=self.messages,
            answer=self.on_frame,
            app_ping=limits.ping,
            ping_idle_only=limits.ping_idle_only,
            channel=channel_field(socket.channel) if socket.channel else WsSpec.channel,
            decode=socket.decode,
            messages_per_s=limits.messages_per_s,
            auth_error=venue.auth_error,
        )

    def sockets(self) -> list[WsRunner]:
        return list(self._runners)

    def set_coins(self, coins: list[str]) -> None:
        self.coins = list(coins)
        self.refresh()

    def refused_names(self) -> list[str]:
        return [self.socket.instrument(stream) for stream in self.refused]

    # -------------------------------------------------------------------------- placement

    def refresh(self) -> None:
        """Place what the feed wants now: streams no longer wanted leave their connection, new
        ones go to the first connection with room, or to a new connection."""
        wanted = [s for s in dict.fromkeys(self.socket.streams(self.feed, self.coins)) if s not in self.refused]
        keep = set(wanted)
        placed: list[list[str]] = [[s for s in runner.streams if s in keep] for runner in self._runners]
        chars = [sum(map(_cost, streams)) for streams in placed]
        on = {s for streams in placed for s in streams}
        for stream in wanted:
            if stream in on:
                continue
            for i, runner in enumerate(self._runners):
                if self._room(placed[i], chars[i], stream):
                    break
            else:
                self._add_runner()
                placed.append([])
                chars.append(0)
                i = len(placed) - 1
            placed[i].append(stream)
            chars[i] += _cost(stream)
        if not self._runners:
            self._add_runner()  # one connection even with nothing to carry yet: the feed's state, and room for coins
            placed.append([])
        order = {stream: n for n, stream in enumerate(wanted)}
        for streams in placed:  # each connection asks in the venue's order (all-market streams first)
            streams.sort(key=order.__getitem__)
        for runner, streams in zip(self._runners, placed):
            if streams != runner.streams:
                runner.assign(streams)

    def _room(self, streams: list[str], chars: int, stream: str) -> bool:
        limits = self.socket.limits
        if limits.streams_per_socket and len(streams) >= limits.streams_per_socket:
            return False
        return not limits.chars_per_socket or chars + _cost(stream) <= limits.chars_per_socket

    def _add_runner(self) -> None:
        runner = WsRunner(self._spec, self.feed.settings, self.deliver, [], redact=self.redact)
        self._runners.append(runner)
        if self._started and not self.stopping:
            self._start(runner)

    def _start(self, runner: WsRunner) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(runner.run()))
        self._grown.set()

    # -------------------------------------------------------------------------- subscribe language

    def messages(self, op: str, streams: list[str]) -> list[str]:
        """The venue's frames for ``op`` of ``streams``, ``topics_per_message`` at a time and one
        family a message, each with its request id (kept until the venue answers a subscribe)."""
        size = self.socket.limits.topics_per_message or len(streams) or 1
        families: dict[str, list[str]] = {}
        for stream in streams:  # a message carries one family (Gate: one channel), in first-seen order
            families.setdefault(self.socket.family(stream), []).append(stream)
        frames = []
        for members in families.values():
            for i in range(0, len(members), size):
                chunk = members[i : i + size]
                request = next(self._ids)
                if op == "subscribe":
                    if len(self._asked) >= _MAX_ASKED:
                        self._asked.clear()
                    self._asked[str(request)] = chunk
                frames.append(self.socket.message(op, chunk, request))
        return frames

    def on_frame(self, raw: str) -> list[str]:
        """Frames to send back for a received one: the socket's own answers (a server ping), and a
        refused request asked again stream by stream."""
        frames = self.socket.answer(raw)
        reply = self.socket.reply(raw)
        if reply is None:
            return frames
        request, granted = reply
        streams = self._asked.pop(request, None)
        if streams is None and not granted and any(request in runner.streams for runner in self._runners):
            streams = [request]  # a venue that answers per stream names the refused one itself (Bitget v3)
        if streams is None or granted:
            return frames
        if len(streams) > 1:
            return frames + [frame for stream in streams for frame in self.messages("subscribe", [stream])]
        self.refused.add(streams[0])
        for runner in self._runners:
            runner.forget(streams[0])
        log.info("%s refused %s", self.name, streams[0])
        return frames

    # -------------------------------------------------------------------------- lifecycle

    async def run(self) -> None:
        deadline = time.monotonic() + self.wait_s
        while not (self.socket.ready(self.feed.adapter) or self.gave_up()) and time.monotonic() < deadline:
            if await self.pause(_POLL_S):
                self.status = "down"
                return
        if self.stopping:
            return
        self.refresh()
        self._started = True
        for runner in self._runners:
            self._start(runner)
        while True:
            pending = [task for task in self._tasks if not task.done()]
            if not pending:
                break
            self._grown.clear()
            grown = asyncio.get_running_loop().create_task(self._grown.wait())
            await asyncio.wait([*pending, grown], return_when=asyncio.FIRST_COMPLETED)
            grown.cancel()
        self.status = "down"

    async def stop(self) -> None:
        await super().stop()
        await asyncio.gather(*(runner.stop() for runner in self._runners))
