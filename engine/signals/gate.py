"""Anti-spam gate (SPEC.md, Signal path 2).

A candidate passes when its confidence is at least ``gate.min_confidence``, no signal of the same
(coin, type, direction) was emitted in the last ``cooldown_s`` and none in the same
``dedup_band``-point confidence band in the last ``dedup_window_s``.  Only emitted signals count
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
        self.drops: dict[str, int] = {"confidence": 0, "cooldown": 0, "duplicate": 0}

    def _band(self, confidence: float) -> int:
        return int(confidence // self.s.dedup_band) if self.s.dedup_band else int(confidence)

    def check(self, key: tuple, confidence: float, now: int) -> str | None:
        """The reason a candidate is dropped, or None when it may be emitted."""
        s = self.s
        if confidence < s.min_confidence:
            return "confidence"
        recent = self._recent.get(key)
        if recent:
            dedup_ms = s.dedup_window_s * 1000
            while recent and recent[0][0] <= now - max(dedup_ms, s.cooldown_s * 1000):
                recent.popleft()
            band = self._band(confidence)
            for ts, old_band in recent:
                if now - ts < s.cooldown_s * 1000:
                    return "cooldown"
                if old_band == band and now - ts < dedup_ms:
                    return "duplicate"
        return None

    def admit(self, key: tuple, confidence: float, now: int) -> bool:
        reason = self.check(key, confidence, now)
        if reason is not None:
            self.drops[reason] += 1
            return False
        self._recent.setdefault(key, deque()).append((now, self._band(confidence)))
        return True
