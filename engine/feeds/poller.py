"""REST polling for market context (open interest, funding), shared by every venue.

A :class:`RestPoller` asks ``requests(coins)`` for the paths (with query) to fetch for the watched
coins, fetches them one by one no faster than ``per_minute`` allows, and repeats the round every
``interval_s``.  The paths are taken one at a time as the round goes, so a generator may make its
later paths from what the earlier bodies taught the feed (Binance asks OI only for the symbols the
round's premium index listed).  A coin added at run time is fetched at once, not at the next
round.  Every body goes to ``deliver(src, "rest", path, body, t)``: recorded, then parsed by the
feed's adapter, like a socket frame.  A path the venue's ``post_body(path)`` gives a body for is
POSTed instead (Hyperliquid's ``/info``), and recorded under the same path.

A throttled answer (HTTP 429, or what the venue's ``throttled(status, body)`` says is one:
CoinGlass answers some with HTTP 200 and ``"code": "429"`` in the body) waits for ``Retry-After``
(else the backoff) and retries the same request, so a listing refused at start is fetched seconds
later, not at the next round; 401/403 means the credentials are wrong and stops the poller for good
with its ``auth_error`` line; other errors are reported and the round goes on.  Headers may carry a
secret: error texts are redacted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

import aiohttp

from engine.backoff import Backoff
from engine.feeds.errors import describe
from engine.feeds.runner import Link
from engine.feeds.venue import Deliver
from engine.secrets import redact as redact_text

Requests = Callable[[list[str]], Iterable[str]]  # watched coins -> the paths of one round

_MAX_RETRY_AFTER_S = 600.0  # a broken header must not park the poller for a day


class RestPoller(Link):
    def __init__(self, name: str, base_url: str, requests: Requests, *,
                 interval_s: float, per_minute: float, deliver: Deliver, coins: list[str],
                 headers: dict[str, str] | None = None, auth_error: str = "",
                 backoff: Backoff | None = None, timeout_s: float = 10.0,
                 redact: Callable[[str], str] = redact_text,
                 throttled: Callable[[int, str], bool] = lambda status, body: status == 429,
                 post_body: Callable[[str], str | None] | None = None) -> None:
        super().__init__(name, redact)
        self.base_url = base_url.rstrip("/")
        self.requests = requests
        self.interval_s = interval_s
        self.spacing_s = 60.0 / per_minute
        self.deliver = deliver
        self.coins = list(coins)
        self.headers = headers or {}
        self.auth_error = auth_error or f"{name} refused the credentials"
        self.backoff = backoff or Backoff(1.0, 60.0)
        self.timeout_s = timeout_s
        self.throttled = throttled
        self.post_body = post_body
        self.sent = 0
        self._fresh: list[str] = []
        self._wake = asyncio.Event()

    def set_coins(self, coins: list[str]) -> None:
        self._fresh += [c for c in coins if c not in self.coins and c not in self._fresh]
        self.coins = list(coins)
        if self._fresh:
            self._wake.set()

    async def stop(self) -> None:
        await super().stop()
        self._wake.set()

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(headers=self.headers, timeout=timeout) as session:
            while not self.stopping:
                started = time.monotonic()
                self._fresh = []  # this round covers them
                if not await self._round(session, self.coins):
                    break
                while not self.stopping:
                    left = self.interval_s - (time.monotonic() - started)
                    if left <= 0 or not (self._fresh or await self._sleep_or_wake(left)):
                        break
                    fresh, self._fresh = self._fresh, []
                    if fresh and not await self._round(session, fresh):
                        return
        self.status = "down"

    async def _sleep_or_wake(self, seconds: float) -> bool:
        """Wait; True when woken early (new coins or stop)."""
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _round(self, session: aiohttp.ClientSession, coins: list[str]) -> bool:
        """Fetch every path for ``coins``; False when the poller must end."""
        for path in self.requests(coins):
            if self.stopping or not await self._fetch(session, path):
                return False
            if await self.pause(self.spacing_s):
                return False
        return True

    async def _fetch(self, session: aiohttp.ClientSession, path: str) -> bool:
        """One request, retried while throttled; False when the poller must end."""
        while True:
            self.sent += 1
            post = self.post_body(path) if self.post_body is not None else None
            if post is None:
                request = session.get(self.base_url + path)
            else:  # the path's query names the body (Hyperliquid /info?type=...); the venue reads the body only
                request = session.post(self.base_url + path.partition("?")[0], data=post,
                                       headers={"Content-Type": "application/json"})
            try:
                async with request as resp:
                    status, retry_after = resp.status, resp.headers.get("Retry-After")
                    body = await resp.text(errors="replace")
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                self.fail(f"REST {describe(exc)}")
                self.status = "down"
                return not await self.pause(self.backoff.next())
            if status in (401, 403):
                self.give_up(self.auth_error)
                return False
            if self.throttled(status, body):
                wait = _retry_after(retry_after) or self.backoff.next()
                self.fail(f"rate limited ({'HTTP 429' if status == 429 else 'code 429 in the body'}): waiting {wait:.0f} s")
                if await self.pause(wait):
                    return False
                continue
            if status >= 400:
                self.fail(f"{path.split('?')[0]}: HTTP {status}")
                return True
            self.backoff.reset()
            self.last_rx = time.monotonic()
            self.status = "live"
            self.deliver(self.name, "rest", path, body, time.time_ns() // 1_000_000)
            return True


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (the seconds form; dates are not worth parsing)."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return min(seconds, _MAX_RETRY_AFTER_S) if seconds >= 0 else None
