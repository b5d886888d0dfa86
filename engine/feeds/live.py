"""A venue's live feed, built from its declaration: a socket pool per declared connection kind
and the context poller, all delivering to the service's frame path.

The feed learns the venue's listing through the pipeline's own adapter (``feed.adapter``): every
REST body goes through ``deliver`` (recorded, then parsed by that adapter), and the pools are
refreshed after it, so what is subscribed follows what the parser knows, with one parse of each
body.
"""

from __future__ import annotations

from engine.backoff import Backoff
from engine.feeds.pool import SocketPool
from engine.feeds.poller import RestPoller
from engine.feeds.runner import Link, LiveFeed
from engine.feeds.venue import Deliver, Feed, Venue


def start(venue: Venue, feed: Feed, coins: list[str], deliver: Deliver, poll_interval_s: float) -> LiveFeed:
    """The live feed of ``venue``: ``coins`` are the watched coins, ``poll_interval_s`` the
    context round (``context.poll_interval_s``)."""
    s = feed.settings
    links: list[Link] = []
    pools = [SocketPool(venue, socket, feed, deliver, coins, gave_up=lambda: live.fatal) for socket in venue.sockets]
    links += pools

    def deliver_and_refresh(src: str, kind: str, ch: str, raw: str, t: int) -> object:
        result = deliver(src, kind, ch, raw, t)
        if kind == "rest":  # the adapter may know the listing now, or know it anew
            for pool in pools:
                pool.refresh()
        return result

    if venue.context is not None:
        context = venue.context
        links.append(RestPoller(venue.name, s.rest_url, lambda batch: context(feed, batch),
                                interval_s=poll_interval_s, per_minute=s.requests_per_minute,
                                deliver=deliver_and_refresh, coins=coins,
                                headers=venue.rest_headers(feed) if venue.rest_headers is not None else None,
                                auth_error=venue.auth_error, backoff=Backoff(s.backoff_initial_s, s.backoff_max_s),
                                redact=feed.secrets.redact, throttled=venue.throttled, post_body=venue.post_body))
    live = LiveFeed(venue.name, links)
    return live
