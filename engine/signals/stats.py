"""Outcome statistics: win rate by type, tier, coin and context (the statistics screen, /stats,
``backtest``).  Counted as outcomes resolve, so the cost does not grow with history.

The win rate is WIN of WIN + LOSS: the outcomes that reached half the target or the stop first.
FLAT (neither, within the horizon) and UNKNOWN (no price) are counted in ``n`` but not divided
by, so a row with no WIN and no LOSS has no win rate (None), never 0 %."""

from __future__ import annotations

from engine.model import FLAT, LOSS, UNKNOWN, WIN, Signal

_RESULTS = (WIN, LOSS, FLAT, UNKNOWN)


class OutcomeStats:
    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, int]]] = {
            "by_type": {}, "by_tier": {}, "by_coin": {}, "by_context": {},
        }

    def record(self, signal: Signal) -> None:
        keys = {
            "by_type": signal.type,
            "by_tier": f"tier {signal.tier}",
            "by_coin": signal.coin,
            "by_context": signal.context.assessment,
        }
        result = signal.outcome.result
        for table, key in keys.items():
            row = self.tables[table].setdefault(key, dict.fromkeys(_RESULTS, 0))
            row[result] = row.get(result, 0) + 1

    def summary(self) -> dict[str, dict[str, dict]]:
        out: dict[str, dict[str, dict]] = {}
        for table, rows in self.tables.items():
            out[table] = {}
            for key, row in sorted(rows.items()):
                decided = row[WIN] + row[LOSS]
                out[table][key] = {
                    "n": decided + row[FLAT] + row[UNKNOWN],
                    "win": row[WIN], "loss": row[LOSS], "flat": row[FLAT], "unknown": row[UNKNOWN],
                    "win_rate": round(row[WIN] / decided, 4) if decided else None,
                }
        return out

    def export_state(self) -> dict:
        return {t: {k: dict(v) for k, v in rows.items()} for t, rows in self.tables.items()}

    def load_state(self, state: dict) -> None:
        for table in self.tables:
            for key, row in (state.get(table) or {}).items():
                self.tables[table][str(key)] = {r: int(row.get(r, 0)) for r in _RESULTS}
