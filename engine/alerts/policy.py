"""Who gets a Telegram message (SPEC.md, Alerts): the alert policy.

The policy keeps what :func:`~engine.alerts.status.alert_status` needs to know and cannot see in
the signal: the coin settings, the pause, whether this run has Telegram at all, ``gate.
min_confidence`` (only measured classes alert), and the alerts already sent (the per-coin cooldown
and the alert budget).  :meth:`AlertPolicy.decide` asks it
for each signal as the engine emits it, before any sink sees the signal, and writes the answer
into ``Signal.alert``; a ``sent`` signal counts against the cooldown and the budget at once, so
the next signal of the same batch already sees it.  A signal not sent is asked again on its next
update (an absorption upgrade may come after a pause ended); a sent one is never asked again (its
updates are edits), and an outcome never starts an alert.  Times are wall clock: cooldowns and
budgets protect the trader's phone, not the engine.

The alert budget (SPEC.md's hourly cap) counts only alerts sent.  It is per coin and per
priority: a WATCH or INFO alert is held when its coin already had
``alerts.max_per_coin_per_hour`` alerts in the last hour or all coins together had
``alerts.max_per_hour``; an URGENT alert is never held by a budget (it still counts against
both).  So one coin's chatter cannot use up another coin's alerts, and a large cascade (URGENT by
``alerts.urgent_cascade_ratio``, or a class measured above its baseline) is never silenced by small
coins.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable

from engine.alerts.status import SENT, alert_status
from engine.coins import CoinRegistry
from engine.model import Signal
from engine.settings import AlertSettings, GateSettings, Settings

HOUR_MS = 3_600_000


class AlertPolicy:
    def __init__(self, settings: AlertSettings, coins: CoinRegistry, paused: Callable[[], bool],
                 telegram: bool = True, gate: GateSettings | None = None) -> None:
        self.s = settings
        self.gate = gate or GateSettings()  # gate.min_confidence: only measured classes alert
        self.coins = coins
        self.paused = paused
        self.telegram = telegram  # this run sends alerts (a token and a chat; live or telegram.in_replay)
        self._last_by_coin: dict[str, int] = {}
        self._hour: deque[int] = deque()
        self._hour_by_coin: dict[str, deque[int]] = {}
        self.refused: Counter[str] = Counter()  # statuses other than sent, as decided

    def decide(self, signal: Signal, now_ms: int) -> str:
        """Decide ``signal``'s alert status at ``now_ms`` (unless it is sent already, or this is
        an outcome), write it into ``signal.alert`` and count a sent one.  Returns the status."""
        if signal.alert == SENT or signal.change == "outcome":
            return signal.alert
        coin = signal.coin
        status = alert_status(
            signal, self.coins.setting(coin), self.s, self.gate, now_ms=now_ms, paused=self.paused(),
            telegram=self.telegram, last_coin_alert_ms=self._last_by_coin.get(coin),
            coin_alerts_last_hour=_in_last_hour(self._hour_by_coin.get(coin), now_ms),
            alerts_last_hour=_in_last_hour(self._hour, now_ms))
        signal.alert = status
        if status == SENT:
            self.record(coin, now_ms)
        else:
            self.refused[status] += 1
        return status

    def record(self, coin: str, now_ms: int) -> None:
        """An alert for ``coin`` was sent at ``now_ms``."""
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
    """The alert policy in event time over a backtest: what a live run with Telegram would have
    sent, with the watchlist's coins alertable (``alerts.new_coins`` for the rest), nothing paused
    or muted.  Every signal gets its ``alert`` status as it would have in that run."""

    def __init__(self, settings: Settings) -> None:
        self.coins = CoinRegistry(settings.watchlist.coins, settings.alerts.new_coins)
        self.policy = AlertPolicy(settings.alerts, self.coins, lambda: False, gate=settings.gate)
        self.sent: set[str] = set()

    def on_signal(self, signal: Signal) -> None:
        self.coins.discover(signal.coin)
        if self.policy.decide(signal, signal.updated_ts) == SENT:
            self.sent.add(signal.id)
