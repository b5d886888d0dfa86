"""Outcome tracking (SPEC.md, Outcomes).

Every directional signal is followed on every priced event of its coin (each trade and each
liquidation's fill price; not sampled) until the last return horizon: a coin with only
liquidations still gets its outcome.  Maximum favourable and adverse excursions run over the whole tracking period; the
return at each horizon is taken at the first price at or after it (or the last price seen when the
clock passes the horizon without one).  At ``outcomes.horizon_s``: LOSS if the stop was touched
first; WIN if price reached ``win_fraction`` of the way to the target before any stop touch;
otherwise FLAT; no price since the signal → UNKNOWN.  When the data ends first (a recording's
last record), a stop touch or a win already seen is final and anything else is UNKNOWN.  Signals without entry/stop/target of their own
(order flow, whale events) are measured from the price at the signal with a stop
``outcomes.default_stop_pct`` away and a target at ``stop_hunt.reward_risk`` × that distance.
"""

from __future__ import annotations

import heapq

from engine.model import FLAT, LONG, LOSS, UNKNOWN, WIN, Outcome, Signal
from engine.settings import OutcomeSettings

NEVER = 1 << 62


class Tracker:
    __slots__ = ("signal", "long", "entry", "stop", "half", "last_price", "seen", "stop_hit",
                 "win_hit", "horizons", "next_horizon", "next_at", "resolved_at", "end_at", "low",
                 "high", "dead")

    def __init__(self, signal: Signal, s: OutcomeSettings) -> None:
        self.signal = signal
        self.dead = False  # untracked: its deadlines are skipped
        self.long = signal.direction == LONG
        self.entry = signal.entry  # type: ignore[assignment]
        self.stop = signal.stop
        target = signal.target
        self.half = self.entry + s.win_fraction * (target - self.entry)  # type: ignore[operator]
        self.last_price: float | None = None
        self.seen = False
        self.stop_hit = False
        self.win_hit = False
        # The confidence estimator needs the return at horizon_s, listed in returns_s or not.
        self.horizons = [signal.ts + sec * 1000 for sec in sorted({*s.returns_s, int(s.horizon_s)})]
        self.next_horizon = 0
        self.next_at = self.horizons[0] if self.horizons else NEVER
        # The price range seen so far: a price inside it changes no excursion and crosses no level.
        self.low = float("inf")
        self.high = float("-inf")
        self.resolved_at = signal.ts + int(s.horizon_s * 1000)
        self.end_at = max([self.resolved_at, *self.horizons])

    def on_price(self, ts: int, price: float) -> None:
        signal = self.signal
        entry = self.entry
        move = (price - entry) / entry if self.long else (entry - price) / entry
        outcome = signal.outcome
        if move > outcome.mfe:
            outcome.mfe = move
        if -move > outcome.mae:
            outcome.mae = -move
        self.seen = True
        self.last_price = price
        if price < self.low:
            self.low = price
        if price > self.high:
            self.high = price
        if ts <= self.resolved_at and not (self.stop_hit or self.win_hit):
            if (price <= self.stop) if self.long else (price >= self.stop):
                self.stop_hit = True
                outcome.stop_ts = ts  # the trader sees it now, not at the horizon
            elif (price >= self.half) if self.long else (price <= self.half):
                self.win_hit = True
        horizons = self.horizons
        while self.next_horizon < len(horizons) and ts >= horizons[self.next_horizon]:
            self._record_return(self.next_horizon, price)

    def _record_return(self, index: int, price: float) -> None:
        seconds = (self.horizons[index] - self.signal.ts) // 1000
        r = (price - self.entry) / self.entry
        self.signal.outcome.returns[int(seconds)] = round(r if self.long else -r, 6)
        self.next_horizon = index + 1
        self.next_at = self.horizons[index + 1] if index + 1 < len(self.horizons) else NEVER

    def pass_horizons(self, now: int) -> None:
        """The clock passed horizons without a price: use the last price seen."""
        while self.next_horizon < len(self.horizons) and now >= self.horizons[self.next_horizon]:
            if self.last_price is None:
                self.next_horizon += 1
                self.next_at = self.horizons[self.next_horizon] if self.next_horizon < len(self.horizons) else NEVER
            else:
                self._record_return(self.next_horizon, self.last_price)

    def result(self, horizon_reached: bool = True) -> str:
        """The outcome; before the horizon only a stop touch or a win is final, else UNKNOWN."""
        if self.stop_hit:
            return LOSS
        if self.win_hit:
            return WIN
        return FLAT if self.seen and horizon_reached else UNKNOWN


class OutcomeBook:
    """Open trackers by coin plus a deadline heap.

    Most prices change nothing but each tracker's last price: they lie inside every open
    tracker's range of prices seen and before every tracker's next horizon.  So each coin keeps
    the envelope of its trackers (the intersection of their ranges, the earliest next horizon);
    a price inside it is only remembered (``_pending``) and handed to the trackers when one of
    them needs it — the next price outside the envelope or a deadline — as if each had taken it.
    An event costs O(1) then, O(open trackers of its coin) otherwise."""

    def __init__(self, s: OutcomeSettings) -> None:
        self.s = s
        self.by_coin: dict[str, list[Tracker]] = {}
        self._envelope: dict[str, tuple[float, float, int]] = {}  # coin -> (low, high, next_at)
        self._pending: dict[str, float] = {}  # coin -> the last price inside its envelope
        self._deadlines: list[tuple[int, int, int, Tracker]] = []  # (when, seq, stage, tracker)
        self._seq = 0
        self.next_deadline = NEVER

    def track(self, signal: Signal) -> None:
        """Follow ``signal`` on every price from now on, to its horizons."""
        tracker = Tracker(signal, self.s)
        self._settle(signal.coin)
        self.by_coin.setdefault(signal.coin, []).append(tracker)
        self._envelope[signal.coin] = (1.0, 0.0, NEVER)  # empty until the new tracker saw a price
        self._push(tracker.resolved_at, 0, tracker)
        self._push(tracker.end_at, 1, tracker)

    def _settle(self, coin: str) -> None:
        """Hand the coin's remembered price to its trackers (each would have taken it)."""
        price = self._pending.pop(coin, None)
        if price is not None:
            for tracker in self.by_coin[coin]:
                tracker.last_price = price

    def _reshape(self, coin: str) -> None:
        trackers = self.by_coin.get(coin)
        if not trackers:
            self.by_coin.pop(coin, None)
            self._envelope.pop(coin, None)
            self._pending.pop(coin, None)
            return
        self._envelope[coin] = (max(t.low for t in trackers), min(t.high for t in trackers),
                                min(t.next_at for t in trackers))

    def untrack(self, signal: Signal) -> None:
        """Stop following ``signal``; its outcome starts over (it made another call, which is
        tracked from then on, to the same horizons)."""
        if signal.coin not in self.by_coin:
            return
        self._settle(signal.coin)
        trackers = self.by_coin[signal.coin]
        for tracker in [t for t in trackers if t.signal is signal]:
            tracker.dead = True  # its deadlines are skipped when they come up
            trackers.remove(tracker)
        self._reshape(signal.coin)
        signal.outcome = Outcome()

    def _push(self, when: int, stage: int, tracker: Tracker) -> None:
        self._seq += 1
        heapq.heappush(self._deadlines, (when, self._seq, stage, tracker))
        self.next_deadline = self._deadlines[0][0]

    def on_price(self, coin: str, ts: int, price: float) -> None:
        low, high, next_at = self._envelope[coin]
        if low <= price <= high and ts < next_at:
            self._pending[coin] = price
            return
        self._settle(coin)
        for tracker in self.by_coin[coin]:
            if tracker.low <= price <= tracker.high and ts < tracker.next_at:
                tracker.last_price = price
            elif ts >= tracker.signal.ts:
                tracker.on_price(ts, price)
        self._reshape(coin)

    def due(self, now: int) -> list[Signal]:
        """Resolve what the clock has passed; the signals whose outcome changed."""
        changed: list[Signal] = []
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] <= now:
            _, _, stage, tracker = heapq.heappop(deadlines)
            if tracker.dead:
                continue
            signal = tracker.signal
            self._settle(signal.coin)
            tracker.pass_horizons(now)
            if stage == 0:
                signal.outcome.result = tracker.result()
            else:
                signal.outcome.done = True
                self.by_coin[signal.coin].remove(tracker)
            self._reshape(signal.coin)
            changed.append(signal)
        self.next_deadline = deadlines[0][0] if deadlines else NEVER
        return changed

    def close_all(self) -> list[tuple[Signal, bool]]:
        """The data ended (a recording's last record): every open signal gets its outcome from
        what was seen.  Returns each signal with whether its result was decided just now."""
        closed: dict[int, tuple[Signal, bool]] = {}
        for coin in list(self._pending):
            self._settle(coin)
        for _, _, stage, tracker in sorted(self._deadlines):
            if tracker.dead:
                continue
            signal = tracker.signal
            if stage == 0:
                signal.outcome.result = tracker.result(horizon_reached=False)
            signal.outcome.done = True
            first = closed.get(id(signal))
            closed[id(signal)] = (signal, stage == 0 or bool(first and first[1]))
        self._deadlines.clear()
        self.by_coin.clear()
        self._envelope.clear()
        self.next_deadline = NEVER
        return list(closed.values())
