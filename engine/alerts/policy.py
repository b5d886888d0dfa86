"""Who gets a Telegram message (SPEC.md, Alerts): the alert policy.

A signal is sent when the context filter did not block it, alerts are not paused, its coin is
alertable (toggle on, not muted), no alert went out for the coin in the last
``alerts.coin_cooldown_s``, and fewer than ``alerts.max_per_hour`` alerts went out in the last
hour.  Times are wall clock: cooldowns and caps protect the trader's phone, not the engine.
A refused signal is asked again on its next revision (an absorption upgrade may come after a
pause ended); edits of a message already sent are never refused.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable

from engine.coins import CoinRegistry
from engine.model import Signal
from engine.settings import AlertSettings

HOUR_MS = 3_600_000


class AlertPolicy:
    def __init__(self, settings: AlertSettings, coins: CoinRegistry, paused: Callable[[], bool]) -> None:
        self.s = settings
        self.coins = coins
        self.paused = paused
        self._last_by_coin: dict[str, int] = {}
        self._hour: deque[int] = deque()
        self.refused: Counter[str] = Counter()

    def refusal(self, signal: Signal, now_ms: int) -> str | None:
        """Why ``signal`` gets no message now, or None when it should be sent."""
        reason = self._reason(signal, now_ms)
        if reason:
            self.refused[reason] += 1
        return reason

    def _reason(self, signal: Signal, now_ms: int) -> str | None:
        if signal.blocked:
            return "blocked by context"
        if self.paused():
            return "paused"
        if not self.coins.alertable(signal.coin, now_ms):
            return "coin off or muted"
        last = self._last_by_coin.get(signal.coin)
        if last is not None and now_ms - last < self.s.coin_cooldown_s * 1000:
            return "coin cooldown"
        while self._hour and now_ms - self._hour[0] >= HOUR_MS:
            self._hour.popleft()
        if len(self._hour) >= self.s.max_per_hour:
            return "hourly cap"
        return None

    def record(self, coin: str, now_ms: int) -> None:
        """An alert for ``coin`` was queued at ``now_ms``."""
        self._last_by_coin[coin] = max(now_ms, self._last_by_coin.get(coin, 0))
        self._hour.append(now_ms)

    def restore(self, alerts: Iterable[tuple[str, int]]) -> None:
        """Alerts of the last hour from the database, so a restart does not reset the caps."""
        for coin, ms in sorted(alerts, key=lambda a: a[1]):
            self.record(coin, ms)
