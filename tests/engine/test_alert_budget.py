"""The hourly quota is an alert budget (engine/alerts/policy.py): the engine emits every signal
the gate lets through, and only what would go to Telegram is counted.  The bench's case: a minute
of small coins' stop hunts, then a BTC cascade of $8.1M: it is emitted, URGENT, and alerted."""

from __future__ import annotations

from builders import Run, liq, settings

from engine.alerts.policy import AlertReplay
from engine.model import LONG, SHORT, STOP_HUNT


def test_a_watched_coins_cascade_is_alerted_after_a_burst_of_small_coins_signals():
    s = settings(watchlist={"coins": ["BTC", "ETH"]}, alerts={"new_coins": True, "max_per_hour": 5})
    run = Run(s)
    replay = AlertReplay(s)
    for i in range(60):  # 60 tier-3 coins cascade in the first minute
        for signal in run.feed(liq(i, f"SMALL{i}", LONG, 60_000, price=1.0)):
            replay.on_signal(signal)
    for k in range(9):
        for signal in run.feed(liq(70 + k, "BTC", SHORT, 900_000, price=96_000 + k)):
            replay.on_signal(signal)
    hunts = run.of_type(STOP_HUNT)
    assert len(hunts) == 62  # every signal is emitted and shown: BTC at $2.7M, then escalated at $5.4M
    first, btc = [h for h in hunts if h.coin == "BTC"]
    assert btc.metrics["escalates"] == first.id and btc.metrics["liquidated_usd"] == 8_100_000
    assert btc.priority == "URGENT" and btc.id in replay.sent and btc.alert == "sent"
    small = [h for h in hunts if h.coin != "BTC"]
    assert sum(h.id in replay.sent for h in small) == 5  # the budget of all coins together
    assert sum(h.alert == "held" for h in small) == 55  # held back, marked, still there
