"""What happened on Telegram to a signal: its alert status (SPEC.md, Alerts).

:func:`alert_status` is the one decision.  The alert policy asks it when a signal is emitted (and
again on an update while the signal has not been sent); the answer is stored with the signal
(``Signal.alert``, the database's ``signals.alert``, the CSV, ``--signals-out``) and every reader
shows it as stored: pausing, muting or unmuting later never rewrites what an old signal says.
A signal once ``sent`` stays ``sent``: its updates are edits of that message.  ``stale`` is the
one status written after the decision: the alert was queued but could not go out within
``telegram.max_alert_age_s``, so the phone never got it.

The checks run in this order, the first that applies names the status: the signal's own
(``silent``, ``blocked``), its coin's (``not watched``, ``off``, ``muted``), the run's (``no
telegram``, ``paused``), then the phone's protections (``cooldown``, which a stop hunt's
escalation passes, and ``held``).  So a signal
of a silent type on a muted coin reads ``silent``: the reason that would still hold after the
mute.
"""

from __future__ import annotations

from engine.model import Signal
from engine.settings import AlertSettings, GateSettings
from engine.signals.gate import below_min_confidence
from engine.snapshot import CoinSetting

SENT = "sent"
SILENT = "silent"
BLOCKED = "blocked"
NOT_WATCHED = "not watched"
OFF = "off"
MUTED = "muted"
NO_TELEGRAM = "no telegram"
PAUSED = "paused"
COOLDOWN = "cooldown"
HELD = "held"
STALE = "stale"

# Every status and its one-line meaning (README "Signals" and the help legend say the same).
MEANINGS: dict[str, str] = {
    SENT: "went to Telegram; updates edit that message",
    SILENT: "its kind never alerts (alerts.silent_types)",
    BLOCKED: "the market-context filter blocked it",
    NOT_WATCHED: "unwatched coin, alerts.new_coins off",
    OFF: "the coin's alerts are off (space)",
    MUTED: "the coin was muted (m, /mute)",
    NO_TELEGRAM: "no token or chat set, or a replay",
    PAUSED: "all alerts were paused (P, /pause)",
    COOLDOWN: "coin alerted < alerts.coin_cooldown_s ago",
    HELD: "the hourly alert budget was used up",
    STALE: "not delivered in telegram.max_alert_age_s",
}
STATUSES = tuple(MEANINGS)
# The statuses the terminal bell rings for (an URGENT signal): what passed every check of the
# signal and its coin.  A paused or absent Telegram does not silence it: the trader is at the screen.
BELL = frozenset({SENT, PAUSED, NO_TELEGRAM})


def alert_status(signal: Signal, coin: CoinSetting, s: AlertSettings, gate: GateSettings, *, now_ms: int, paused: bool,
                 telegram: bool, last_coin_alert_ms: int | None, coin_alerts_last_hour: int,
                 alerts_last_hour: int) -> str:
    """The status of ``signal`` decided at wall-clock ``now_ms``: ``sent`` or why not.

    ``coin`` is the coin's setting now; ``gate`` holds ``gate.min_confidence`` (a class whose
    stated probability is under it is ``silent`` too); ``telegram`` whether this run sends alerts at all;
    ``last_coin_alert_ms`` the coin's last alert sent (None: none yet); the counts are alerts
    sent in the last hour, for the coin and for all coins (the alert budget)."""
    if signal.type in s.silent_types or below_min_confidence(signal, gate):
        return SILENT
    if signal.blocked:
        return BLOCKED
    if not coin.alerts:
        return OFF if coin.watched else NOT_WATCHED
    if coin.muted_until_ms and coin.muted_until_ms > now_ms:
        return MUTED
    if not telegram:
        return NO_TELEGRAM
    if paused:
        return PAUSED
    escalation = "escalates" in signal.metrics  # a stop hunt grown to stop_hunt.escalation_ratio x its alert
    if last_coin_alert_ms is not None and now_ms - last_coin_alert_ms < s.coin_cooldown_s * 1000 and not escalation:
        return COOLDOWN
    if signal.priority != "URGENT" and (coin_alerts_last_hour >= s.max_per_coin_per_hour
                                        or alerts_last_hour >= s.max_per_hour):
        return HELD  # an URGENT alert is never held by a budget (it still counts against both)
    return SENT
