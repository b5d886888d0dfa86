"""Anti-spam gate (SPEC.md, Signal path 2).

A candidate passes when its strength (SPEC's score) is at least ``gate.min_strength``, no signal of
the same (coin, type, direction) was emitted in the last ``cooldown_s`` and none in the same
``dedup_band``-point strength band in the last ``dedup_window_s``.  Only emitted signals count
against the cooldown and the dedup memory.  SPEC.md's hourly quota is not here: it is the alert
budget of engine/alerts/policy.py, which counts what goes to Telegram only, so a quiet coin's
cascade is never dropped because other coins chattered (the UI and the database show every
signal; the budget marks what it held back).
"""

from __future__ import annotations

from collections import deque

from engine.settings import GateSettings


class Gate:
    def __init__(self, s: GateSettings) -> None:
        self.s = s
        self._recent: dict[tuple, deque[tuple[int, int]]] = {}  # key -> (ts, band) emitted
        self.drops: dict[str, int] = {"strength": 0, "cooldown": 0, "duplicate": 0}

    def _band(self, strength: float) -> int:
        return int(strength // self.s.dedup_band) if self.s.dedup_band else int(strength)

    def check(self, key: tuple, strength: float, now: int, escalation: bool = False) -> str | None:
        """The reason a candidate is dropped, or None when it may be emitted.  An escalation (a
        stop hunt grown to ``stop_hunt.escalation_ratio`` × what was alerted) passes the cooldown
        and the duplicate band; it still counts for the next one."""
        s = self.s
        if strength < s.min_strength:
            return "strength"
        recent = self._recent.get(key)
        if recent and not escalation:
            dedup_ms = s.dedup_window_s * 1000
            while recent and recent[0][0] <= now - max(dedup_ms, s.cooldown_s * 1000):
                recent.popleft()
            band = self._band(strength)
            for ts, old_band in recent:
                if now - ts < s.cooldown_s * 1000:
                    return "cooldown"
                if old_band == band and now - ts < dedup_ms:
                    return "duplicate"
        return None

    def admit(self, key: tuple, strength: float, now: int, escalation: bool = False) -> bool:
        reason = self.check(key, strength, now, escalation)
        if reason is not None:
            self.drops[reason] += 1
            return False
        self._recent.setdefault(key, deque()).append((now, self._band(strength)))
        return True


def below_min_confidence(signal, s: GateSettings) -> bool:
    """``gate.min_confidence`` (off at 0): a directional signal whose class's stated probability is
    under it, or a signal with none, is shown and stored but does not alert — a trader alerted only
    for measured classes.  The alert decision reads it (as ``silent``)."""
    return s.min_confidence > 0 and (signal.confidence is None or signal.confidence < s.min_confidence)
