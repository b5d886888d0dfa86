"""The log's account of each feed: one line when its state changes, not one per retry.

The headless log and the monitor's ``teleglas-tui.log`` both get it (the service runs it): a feed
going down or stale is a WARNING naming why, once; the reconnect attempts that follow (down ->
connecting -> down, every backoff step) are one outage, not a line each; coming back is one INFO
line saying how long it was out and how many reconnects it took.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine import format as fmt
from engine.snapshot import FeedState

log = logging.getLogger("teleglas.feeds")

_TROUBLE = ("down", "stale")
# What a replay's own states read as in the log.
_WORDS = {"replay": "playing", "done": "ended"}


@dataclass
class _Seen:
    state: str  # as logged
    since: float  # monotonic time the state (for trouble: the outage) began
    reconnects: int  # the feed's count when it began
    attempts: int  # the feed's count at the last look


class FeedLog:
    """Fed every feed's state now and then (:meth:`note`); logs the changes worth a line."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[str, _Seen] = {}

    def note(self, feeds: list[FeedState]) -> None:
        now = self._clock()
        for feed in feeds:
            seen = self._seen.get(feed.name)
            state = feed.state
            if state == "connecting" and seen is not None and feed.reconnects > seen.attempts:
                state = "down"  # it failed and is trying again: between two looks, the down spell was missed
            if seen is not None:
                seen.attempts = feed.reconnects
                if state == seen.state or (state == "connecting" and seen.state in _TROUBLE):
                    continue  # no change, or the next attempt of an outage already logged
            self._seen[feed.name] = _Seen(state, now, feed.reconnects, feed.reconnects)
            if state in _TROUBLE:
                log.warning("feed %s: %s (%s)", feed.name, state, _why(feed, state))
            elif state == "live" and seen is not None and seen.state in _TROUBLE:
                retries = feed.reconnects - seen.reconnects
                log.info("feed %s: live again after %s %s (%d reconnect%s)", feed.name, fmt.duration(now - seen.since),
                         seen.state, retries, "" if retries == 1 else "s")
            else:
                detail = f" ({feed.detail})" if feed.detail and state in _WORDS else ""
                log.info("feed %s: %s%s", feed.name, _WORDS.get(state, state), detail)


def _why(feed: FeedState, state: str) -> str:
    if state == "stale":
        age = feed.last_message_age_s
        return f"no message for {fmt.duration(age)}" if age is not None else "no message yet"
    return f"{feed.detail or 'no reason given'}; retrying"


__all__ = ["FeedLog"]
