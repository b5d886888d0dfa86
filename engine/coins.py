"""The coin registry: which coins are watched, alertable, muted.  One state for the TUI and
Telegram (``/mute`` from the phone is the mute the TUI shows).

Every coin the market shows is monitored; the watchlist decides which coins get per-coin trade
subscriptions on the feeds and stand first in the UI.  A coin seen for the first time is
auto-discovered: alertable only when ``alerts.new_coins`` is true.  Mute times are wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.snapshot import CoinSetting


@dataclass
class _Coin:
    watched: bool
    alerts: bool
    muted_until_ms: int | None = None


class CoinRegistry:
    def __init__(self, watchlist: list[str], new_coins_alert: bool) -> None:
        self._coins: dict[str, _Coin] = {c.upper(): _Coin(True, True) for c in watchlist}
        self._new_coins_alert = new_coins_alert
        self.paused = False
        # Called with the coin whenever a setting changes (the store persists, feeds resubscribe).
        self.listeners: list[Callable[[str], None]] = []
        # Called with the coin when a saved setting is loaded (a store that opened late: feeds resubscribe).
        self.restore_listeners: list[Callable[[str], None]] = []

    def _changed(self, coin: str) -> None:
        for listener in self.listeners:
            listener(coin)

    def discover(self, coin: str) -> None:
        """Note a coin the market showed; cheap when it is already known."""
        if coin not in self._coins:
            self._coins[coin] = _Coin(False, self._new_coins_alert)

    def known(self) -> list[str]:
        return sorted(self._coins)

    def watched(self) -> list[str]:
        return sorted(c for c, s in self._coins.items() if s.watched)

    def add(self, coin: str) -> None:
        coin = coin.upper()
        entry = self._coins.setdefault(coin, _Coin(True, True))
        entry.watched = True
        entry.alerts = True
        self._changed(coin)

    def remove(self, coin: str) -> None:
        coin = coin.upper()
        entry = self._coins.get(coin)
        if entry is not None:
            entry.watched = False
            self._changed(coin)

    def set_alerts(self, coin: str, on: bool) -> None:
        coin = coin.upper()
        self._coins.setdefault(coin, _Coin(False, on)).alerts = on
        self._changed(coin)

    def mute(self, coin: str, until_ms: int) -> None:
        coin = coin.upper()
        self._coins.setdefault(coin, _Coin(False, self._new_coins_alert)).muted_until_ms = until_ms
        self._changed(coin)

    def unmute(self, coin: str) -> None:
        coin = coin.upper()
        entry = self._coins.get(coin)
        if entry is not None and entry.muted_until_ms is not None:
            entry.muted_until_ms = None
            self._changed(coin)

    def restore(self, coin: str, watched: bool, alerts: bool, muted_until_ms: int | None) -> None:
        """Load a persisted setting without notifying ``listeners`` (the store would save it back)."""
        self._coins[coin.upper()] = _Coin(watched, alerts, muted_until_ms)
        for listener in self.restore_listeners:
            listener(coin.upper())

    def is_muted(self, coin: str, now_ms: int) -> bool:
        entry = self._coins.get(coin)
        return bool(entry and entry.muted_until_ms and entry.muted_until_ms > now_ms)

    def alertable(self, coin: str, now_ms: int) -> bool:
        """Alerts on, not muted (wall clock ``now_ms``)."""
        entry = self._coins.get(coin)
        if entry is None:
            return self._new_coins_alert
        return entry.alerts and not (entry.muted_until_ms and entry.muted_until_ms > now_ms)

    def setting(self, coin: str) -> CoinSetting:
        entry = self._coins.get(coin.upper()) or _Coin(False, self._new_coins_alert)
        return CoinSetting(coin.upper(), entry.watched, entry.alerts, entry.muted_until_ms)

    def settings(self) -> list[CoinSetting]:
        return [CoinSetting(c, s.watched, s.alerts, s.muted_until_ms) for c, s in sorted(self._coins.items())]
