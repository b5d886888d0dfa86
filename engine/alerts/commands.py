"""Telegram commands: the phone's remote control of the running service.

Each command reads or changes the same state the TUI uses through the service's
:class:`~engine.sinks.Controls` (``coins`` for mutes, ``pause_alerts()`` for the pause), so a mute set from the phone is the mute the TUI shows
and the store persists it.  Replies are short HTML texts; unknown commands get the help.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from engine import format as fmt
from engine.model import PENDING
from engine.settings import Settings
from engine.sinks import Controls
from engine.symbols import canonical, canonical_symbol

if TYPE_CHECKING:
    from engine.alerts.outbox import Outbox
    from engine.store.sink import StoreSink

HELP = """<b>teleglas commands</b>
/status – feeds, lag, events/s, alerts today, errors
/coins – watched coins, alert toggles and mutes
/mute COIN [30m|2h|1d] – silence a coin (default {default})
/unmute COIN – alerts for the coin again
/pause – no alerts until /resume
/resume – alerts again
/last [n] – the last n signals (default 5)
/stats – win rate by signal type
/help – this list"""

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "": 60}
MAX_MUTE_S = 365 * 86_400  # longer is a typo (and past some length no timestamp can hold it)
LAST_DEFAULT, LAST_MAX = 5, 20


def parse_duration(text: str) -> float | None:
    """``30m`` → 1800 s, ``2h``, ``1d``, ``45s``; a bare number means minutes; at most a year."""
    match = _DURATION.match(text.strip().lower())
    if not match or float(match.group(1)) <= 0:
        return None
    seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    return seconds if seconds <= MAX_MUTE_S else None


def coin_of(text: str) -> str:
    """What the trader typed (``btc``, ``BTCUSDT``, ``1000PEPEUSDT``) as the engine's coin."""
    return canonical(text)[0]


class Commands:
    def __init__(self, settings: Settings, controls: Controls, outbox: Outbox,
                 store: StoreSink | None, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.controls = controls
        self.outbox = outbox
        self.store = store
        self._clock = clock
        self._handlers: dict[str, Callable[[list[str]], str]] = {
            "status": self.status, "coins": self.coins, "mute": self.mute, "unmute": self.unmute,
            "pause": self.pause, "resume": self.resume, "last": self.last, "stats": self.stats,
            "help": self.help, "start": self.help,
        }

    def handle(self, text: str, bot: str | None = None) -> str | None:
        """The reply to a message, or None when it is not a command for us: plain chat, or in a
        group a ``/command@other_bot`` (``bot`` is our username, when known)."""
        words = text.strip().split()
        if not words or not words[0].startswith("/"):
            return None
        name, _, to = words[0][1:].partition("@")  # "/mute@teleglas_bot" in groups
        if to and bot and to.lower() != bot.lower():
            return None
        name = name.lower()
        handler = self._handlers.get(name)
        if handler is None:
            return f"Unknown command /{escape(name)}.\n\n{self.help([])}"
        return handler(words[1:])

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # ------------------------------------------------------------------ commands

    def help(self, args: list[str]) -> str:
        return HELP.format(default=fmt.duration(self.settings.alerts.default_mute_s))

    def status(self, args: list[str]) -> str:
        snap = self.controls.snapshot()
        now = self._now_ms()
        lines = [f"<b>teleglas {escape(snap.mode)}</b> · alerts {'⏸ paused' if snap.paused else 'on'}"]
        for feed in snap.feeds:
            age = "" if feed.last_message_age_s is None else f" {fmt.duration(feed.last_message_age_s)} ago"
            again = f", {feed.reconnects} reconnects" if feed.reconnects else ""
            lines.append(f"• {escape(feed.name)}: {escape(feed.state)}{age}{again}")
        engine_ms = snap.engine.now_ms
        if snap.mode == "LIVE" and engine_ms:
            lines.append(f"Lag {fmt.duration(max(0, now - engine_ms) / 1000)} behind the wall clock")
        lines.append(f"Events/s {snap.events_per_s:,.0f} · rejected {snap.rejected:,}")
        ob = self.outbox
        lines.append(f"Alerts today {ob.alerts_today()} · queued {ob.queued()} · stale {ob.stale} · "
                     f"failed {ob.failed}")
        lines.append(f"Database {escape(snap.database.state)}" + (f" · queue {snap.database.queue}"
                                                                  if snap.database.queue else "")
                     + (" · alerts still go out, saved when it answers" if snap.database.state == "degraded" else ""))
        errors = [f"{f.name}: {f.detail}" for f in snap.feeds if f.detail]
        errors += [f"{name}: {s.detail}" for name, s in (("database", snap.database), ("telegram", snap.telegram))
                   if s.state != "ok" and s.detail]
        if errors:
            lines.append("Errors:\n" + "\n".join(f"• {escape(e)}" for e in errors))
        lines += [f"• {escape(m)}" for m in ob.book.moves()]
        return "\n".join(lines)

    def coins(self, args: list[str]) -> str:
        now = self._now_ms()
        coins = self.controls.coins
        rows = []
        for s in coins.settings():
            muted = coins.is_muted(s.coin, now)
            if not (s.watched or muted or not s.alerts):
                continue  # discovered coins with default settings would flood the list
            if muted:
                flag = f"🔕 muted {fmt.duration((s.muted_until_ms - now) / 1000)}"
            else:
                flag = "🔔" if s.alerts else "alerts off"
            rows.append(f"{escape(s.coin)}{'' if s.watched else ' (not watched)'} {flag}")
        known = len(coins.known())
        head = f"<b>Coins</b> ({len(coins.watched())} watched, {known} seen)"
        return "\n".join([head, *rows]) if rows else f"{head}\nnone watched"

    def mute(self, args: list[str]) -> str:
        if not args:
            return "Usage: /mute COIN [30m|2h|1d]"
        coin = coin_of(args[0])
        seconds = parse_duration(args[1]) if len(args) > 1 else self.settings.alerts.default_mute_s
        if seconds is None:
            return f"Cannot read the duration {escape(args[1])}: use e.g. 30m, 2h or 1d (at most 365d)."
        until = self._now_ms() + int(seconds * 1000)
        self.controls.coins.mute(coin, until)
        return f"🔕 {escape(coin)} muted for {fmt.duration(seconds)} (until {fmt.utc_time(until)})."

    def unmute(self, args: list[str]) -> str:
        if not args:
            return "Usage: /unmute COIN"
        coin = coin_of(args[0])
        self.controls.coins.unmute(coin)
        return f"🔔 {escape(coin)} alerts on again."

    def pause(self, args: list[str]) -> str:
        self.controls.pause_alerts()
        return "⏸ Alerts paused. /resume to turn them on again."

    def resume(self, args: list[str]) -> str:
        self.controls.resume_alerts()
        return "▶️ Alerts on."

    def last(self, args: list[str]) -> str:
        try:
            n = max(1, min(LAST_MAX, int(args[0]))) if args else LAST_DEFAULT
        except ValueError:
            return "Usage: /last [n]"
        signals = self._recent(n)
        if not signals:
            return "No signals yet."
        return "\n".join([f"<b>Last {len(signals)} signals</b>", *map(_signal_line, signals)])

    def _recent(self, n: int) -> list[dict[str, Any]]:
        if self.store is not None:
            return self.store.recent_signals(n)
        return [s.as_dict() for s in self.controls.snapshot().engine.signals[-n:]]

    def stats(self, args: list[str]) -> str:
        by_type = (self.controls.stats() or {}).get("by_type") or {}
        if not by_type:
            return "No outcomes yet: a signal's outcome is known 15 minutes after it."
        lines = ["<b>Win rate by type</b>: WIN of WIN+LOSS (W/L/F of resolved)"]
        for name, row in sorted(by_type.items()):
            rate = row.get("win_rate")
            shown = "-" if rate is None else fmt.pct(rate, 0, False)
            lines.append(f"{escape(name)}: {shown} · {row.get('win', 0)}/{row.get('loss', 0)}/"
                         f"{row.get('flat', 0)} of {row.get('n', 0)}")
        return "\n".join(lines)


def _signal_line(s: dict[str, Any]) -> str:
    direction = (s.get("direction") or "").upper() or "-"
    outcome = (s.get("outcome") or {}).get("result", PENDING)
    alert = s.get("alert") or ""  # what went to Telegram, as decided then
    return (f"{time.strftime('%H:%M', time.gmtime(s['ts'] / 1000))} {escape(canonical_symbol(s['symbol']))} "
            f"{direction} {escape(s['type'])} {s['strength']:.0f} {escape(s['priority'])}"
            f"{'' if outcome == PENDING else ' · ' + escape(outcome)}{' · ' + escape(alert) if alert else ''}")
