"""Who gets a Telegram message (SPEC.md, Alerts): the alert policy.

A signal is sent when the context filter did not block it, alerts are not paused, its coin is
alertable (toggle on, not muted), its type is not in ``alerts.silent_types``, no alert went out
for the coin in the last ``alerts.coin_cooldown_s`` (a stop hunt's escalation passes it), and the
alert budget has room.
Times are wall clock: cooldowns and budgets protect the trader's phone, not the engine.
A refused signal is asked again on its next revision (an absorption upgrade may come after a
pause ended); edits of a message already sent are never refused.

The alert budget (SPEC.md's hourly cap) counts only alerts queued for Telegram.  It is per coin
and per priority: a WATCH or INFO alert is held when its coin already had
``alerts.max_per_coin_per_hour`` alerts in the last hour or all coins together had
``alerts.max_per_hour``; an URGENT alert is never held by a budget (it still counts against
both).  So one coin's chatter cannot use up another coin's alerts, and a large cascade (URGENT by
``alerts.urgent_cascade_ratio``, or a class measured above its baseline) is never silenced by small
coins.  With ``gate.min_confidence`` set, a signal whose class's stated probability is under it
does not alert either (engine/signals/gate.py).  A
signal the budget held is marked ``held`` (the UI and the database still show it).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable

from engine.coins import CoinRegistry
from engine.model import Signal
from engine.settings import AlertSettings, GateSettings, Settings
from engine.signals.gate import below_min_confidence

HOUR_MS = 3_600_000
BUDGET = ("coin hourly cap", "hourly cap")  # the refusals that mark a signal held


class AlertPolicy:
    def __init__(self, settings: AlertSettings, coins: CoinRegistry, paused: Callable[[], bool],
                 gate: GateSettings | None = None) -> None:
        self.s = settings
        self.gate = gate or GateSettings()  # gate.min_confidence: only measured classes alert
        self.coins = coins
        self.paused = paused
        self._last_by_coin: dict[str, int] = {}
        self._hour: deque[int] = deque()
        self._hour_by_coin: dict[str, deque[int]] = {}
        self.refused: Counter[str] = Counter()

    def refusal(self, signal: Signal, now_ms: int) -> str | None:
        """Why ``signal`` gets no message now, or None when it should be sent."""
        reason = self._reason(signal, now_ms)
        if reason:
            self.refused[reason] += 1
        signal.held = reason in BUDGET
        return reason

    def _reason(self, signal: Signal, now_ms: int) -> str | None:
        if signal.blocked:
            return "blocked by context"
        if self.paused():
            return "paused"
        if not self.coins.alertable(signal.coin, now_ms):
            return "coin off or muted"
        if signal.type in self.s.silent_types or below_min_confidence(signal, self.gate):
            return "type does not alert"
        last = self._last_by_coin.get(signal.coin)
        escalation = "escalates" in signal.metrics  # a stop hunt grown to stop_hunt.escalation_ratio x its alert
        if last is not None and now_ms - last < self.s.coin_cooldown_s * 1000 and not escalation:
            return "coin cooldown"
        if signal.priority == "URGENT":
            return None
        if _in_last_hour(self._hour_by_coin.get(signal.coin), now_ms) >= self.s.max_per_coin_per_hour:
            return "coin hourly cap"
        if _in_last_hour(self._hour, now_ms) >= self.s.max_per_hour:
            return "hourly cap"
        return None

    def record(self, coin: str, now_ms: int) -> None:
        """An alert for ``coin`` was queued at ``now_ms``."""
        self._last_by_coin[coin] = max(now_ms, self._last_by_coin.get(coin, 0))
        self._hour.append(now_ms)
        self._hour_by_coin.setdefault(coin, deque()).append(now_ms)

    def restore(self, alerts: Iterable[tuple[str, int]]) -> None:
        """Alerts of the last hour from the database, so a restart does not reset the caps."""
        for coin, ms in sorted(alerts, key=lambda a: a[1]):
            self.record(coin, ms)


def _in_last_hour(times: deque[int] | None, now_ms: int) -> int:
    if not times:
        return 0
    while times and now_ms - times[0] >= HOUR_MS:
        times.popleft()
    return len(times)


class AlertReplay:
    """The alert policy in event time over a backtest: which signals a live run would have sent,
    with the watchlist's coins alertable (``alerts.new_coins`` for the rest), nothing paused or
    muted.  Asked like the outbox asks: on each new or updated revision until one is sent."""

    def __init__(self, settings: Settings) -> None:
        self.coins = CoinRegistry(settings.watchlist.coins, settings.alerts.new_coins)
        self.policy = AlertPolicy(settings.alerts, self.coins, lambda: False, settings.gate)
        self.sent: set[str] = set()

    def on_signal(self, signal: Signal) -> None:
        if signal.change == "outcome" or signal.id in self.sent:
            return
        self.coins.discover(signal.coin)
        if self.policy.refusal(signal, signal.updated_ts) is None:
            self.policy.record(signal.coin, signal.updated_ts)
            self.sent.add(signal.id)
