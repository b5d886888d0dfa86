"""The two status lines on top: mode, engine clock, throughput, alert and sink health, feeds.

``header_rows`` (pure) reads a ``ServiceSnapshot``.  The clock is UTC: live, the wall clock
(``now_wall_ms``, running while the feeds are down too); in a replay, the event time, so it shows
the recording's clock.  ``now_wall_ms`` also ages the last Telegram delivery and database commit;
a sink's queue reads ``3 to send`` / ``64 to write``.
"""

from __future__ import annotations

from textual.widgets import Static

from engine import format as fmt
from engine.snapshot import FeedState, ServiceSnapshot, SinkState
from teleglas_tui.columns import cut, hms
from teleglas_tui.palette import Row, Span, palette

FEED_ROLES = {"live": "buy", "replay": "accent", "done": "dim", "connecting": "warn", "stale": "warn",
              "down": "sell"}
SINK_ROLES = {"ok": "buy", "degraded": "warn", "down": "sell", "off": "dim"}
_SEP: Span = (" │ ", "dim")
NARROW = 90  # header cells under which the app's name and the sinks' ages are left out


def mode_label(mode: str, speed: float | None) -> Span:
    if mode == "LIVE":
        return (" LIVE ", "buy huge")
    if not speed:
        return (" REPLAY max ", "warn huge")
    return (f" REPLAY ×{speed:g} ", "warn huge")


def _sink(name: str, sink: SinkState, now_wall_ms: int, waiting: str, narrow: bool = False) -> list[Span]:
    spans: list[Span] = [(f"{name} ", "dim"), (sink.state, SINK_ROLES.get(sink.state, ""))]
    if sink.state == "off":
        return spans
    if sink.queue:  # alerts not sent yet, rows not written yet
        spans.append((f" {sink.queue:,} {waiting}", "warn"))
    if sink.last_ms is not None and not narrow:  # at 80 columns the state and the queue come first
        spans.append((f" {fmt.duration((now_wall_ms - sink.last_ms) / 1000)} ago", "dim"))
    return spans


def _feed(feed: FeedState) -> list[Span]:
    if feed.state in ("replay", "done"):  # one row for the whole recording; detail names it
        playing = "playing" if feed.state == "replay" else "finished"
        return [(f"{feed.name} ", "bold"), (playing, FEED_ROLES[feed.state]), (f" {feed.detail}", "dim"),
                (f"  {feed.frames:,} frames", "dim")]
    spans: list[Span] = [(f"{feed.name} ", "bold"), (feed.state, FEED_ROLES.get(feed.state, ""))]
    if feed.last_message_age_s is not None:
        spans.append((f" {feed.last_message_age_s:.1f}s", "dim"))
    if feed.reconnects:
        spans.append((f" ↻{feed.reconnects}", "warn"))
    if feed.rejected:
        spans.append((f" ✗{feed.rejected}", "warn"))
    if feed.detail and feed.state in ("down", "stale", "connecting"):
        spans.append((f" {cut(feed.detail, 40)}", "dim"))
    return spans


_STATE_ORDER = ("live", "stale", "connecting", "down")


def _feeds_counted(feeds: list[FeedState]) -> list[Span]:
    """Every feed in a few cells, for a header too narrow to name each: how many are in each
    state, the most retries and rejections, then the feeds not live and why (once when they share
    the reason, as with no network; ``teleglas doctor`` has every feed's detail)."""
    spans: list[Span] = []
    for state in _STATE_ORDER:
        n = sum(1 for f in feeds if f.state == state)
        if n:
            spans += [(" · ", "dim")] if spans else []
            spans.append((f"{n} {state}", FEED_ROLES[state]))
    retries = max((f.reconnects for f in feeds), default=0)
    if retries:
        spans.append((f" ↻{retries}", "warn"))
    rejected = sum(f.rejected for f in feeds)
    if rejected:
        spans.append((f" ✗{rejected:,}", "warn"))
    troubled = sorted((f for f in feeds if f.state != "live"), key=lambda f: -_STATE_ORDER.index(f.state)
                      if f.state in _STATE_ORDER else 0)
    if not troubled:
        return spans
    details = {f.detail for f in troubled}
    if len(details) == 1 and troubled[0].detail:  # one reason for all (no network): said once, first
        spans += [(f" {cut(troubled[0].detail, 40)}", "dim"), (": " + " ".join(f.name for f in troubled), "bold")]
    else:  # the worst feed's reason beside its name, then the other feeds not live
        first, rest = troubled[0], troubled[1:]
        spans.append((f": {first.name}", "bold"))
        if first.detail:
            spans.append((f" {cut(first.detail, 40)}", "dim"))
        if rest:
            spans.append((" · " + " ".join(f.name for f in rest), "bold"))
    return spans


def header_rows(snap: ServiceSnapshot, now_wall_ms: int, width: int = 200) -> tuple[Row, Row]:
    """The two lines; under ``NARROW`` cells the name ``teleglas``, the ages of the last
    delivery and commit and ``alerts on`` (not ``alerts PAUSED``) make room for the figures."""
    engine = snap.engine
    narrow = width < NARROW
    top: list[Span] = [] if narrow else [(" teleglas ", "accent bold")]
    top.append(mode_label(snap.mode, snap.speed))
    # Live: the time now, running whether or not anything arrives; a replay: the recording's.
    clock = now_wall_ms if snap.mode == "LIVE" else engine.now_ms
    if clock:
        top += [(f"{' ' if narrow else '  '}{hms(clock)} UTC", "bold")]
    top += [_SEP, (f"{snap.events_per_s:,.0f}", "bold"), (" ev/s", "dim")]
    if snap.rejected:
        top += [_SEP, (f"rejected {snap.rejected:,}", "warn")]
    if snap.paused or not narrow:  # at 80 columns only the exception: alerts PAUSED
        top += [_SEP, ("alerts ", "dim"), ("PAUSED", "warn huge") if snap.paused else ("on", "buy")]
    top += [_SEP, *_sink("telegram", snap.telegram, now_wall_ms, "to send", narrow)]
    top += [_SEP, *_sink("db", snap.database, now_wall_ms, "to write", narrow)]
    feeds: list[Span] = [(" feeds ", "dim")]
    for i, feed in enumerate(snap.feeds):
        if i:
            feeds.append(("  · ", "dim"))
        feeds += _feed(feed)
    if not snap.feeds:
        feeds.append(("none running", "warn"))
    elif len(snap.feeds) > 1 and sum(len(text) for text, _ in feeds) > width:  # too many venues to name
        feeds = [(" feeds ", "dim"), *_feeds_counted(snap.feeds)]
    return tuple(top), tuple(feeds)


class HeaderStatus(Static):
    DEFAULT_CSS = """
    HeaderStatus {
        height: 2;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: tuple[Row, Row] | None = None

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._repaint, init=False)

    def show(self, snap: ServiceSnapshot, now_wall_ms: int) -> None:
        rows = header_rows(snap, now_wall_ms, self.size.width or 200)
        if rows != self._rows:
            self._rows = rows
            self._repaint()

    def _repaint(self) -> None:
        if self._rows is not None:
            self.update(palette(self.app).lines(self._rows), layout=False)  # always two lines
