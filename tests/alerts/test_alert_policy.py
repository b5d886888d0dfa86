"""Who gets a message: one decision, ``alert_status``, in a fixed order (the signal's own reasons,
its coin's, the run's, then the phone's protections: cooldown and budget), written into the
signal once and kept; URGENT is never held by a budget."""

from __future__ import annotations

import pytest
from builders import settings

from engine.alerts.policy import AlertPolicy
from engine.alerts.status import MEANINGS, STATUSES, alert_status
from engine.coins import CoinRegistry
from engine.model import DISTRIBUTION, LONG, STOP_HUNT, VOLUME_SPIKE
from engine.snapshot import CoinSetting
from fakes.signals import revise, sample

NOW = 1_761_125_892_000
MIN = 60_000


def policy(paused=False, telegram=True, **alerts):
    s = settings(alerts=alerts).alerts
    coins = CoinRegistry(["BTC", "ETH"], new_coins_alert=False)
    state = {"paused": paused}
    return AlertPolicy(s, coins, lambda: state["paused"], telegram=telegram), coins, state


def send(p, coin, now, priority="WATCH"):
    return p.decide(sample(STOP_HUNT, LONG, coin, priority=priority), now)


ON = CoinSetting("BTC", True, True, None)


def status(signal=None, coin=ON, *, now=NOW, paused=False, telegram=True, last=None, coin_hour=0, hour=0,
           min_confidence=0.0, **alerts):
    s = settings(alerts=alerts, gate={"min_confidence": min_confidence})
    return alert_status(signal or sample(STOP_HUNT, LONG, "BTC", priority="WATCH"), coin, s.alerts, s.gate,
                        now_ms=now, paused=paused, telegram=telegram, last_coin_alert_ms=last,
                        coin_alerts_last_hour=coin_hour, alerts_last_hour=hour)


def test_every_status_is_named_and_explained():
    assert set(STATUSES) == {"sent", "silent", "held", "blocked", "muted", "off", "not watched", "no telegram",
                             "cooldown", "paused", "stale"}
    assert all(MEANINGS[s] for s in STATUSES)


@pytest.mark.parametrize("case, expected", [
    (dict(), "sent"),
    (dict(signal=sample(DISTRIBUTION, "short", "BTC", blocked=True), silent_types=[DISTRIBUTION]), "silent"),
    (dict(min_confidence=55.0, paused=True), "silent"),  # gate.min_confidence: only measured classes alert
    (dict(signal=sample(STOP_HUNT, LONG, "BTC", blocked=True), paused=True), "blocked"),
    (dict(coin=CoinSetting("DOGE", False, False, None)), "not watched"),
    (dict(coin=CoinSetting("BTC", True, False, None), telegram=False), "off"),
    (dict(coin=CoinSetting("BTC", True, True, NOW + MIN), paused=True), "muted"),
    (dict(coin=CoinSetting("BTC", True, True, NOW - 1)), "sent"),  # the mute is over
    (dict(telegram=False, paused=True), "no telegram"),
    (dict(paused=True, last=NOW - MIN), "paused"),
    (dict(last=NOW - 299_000, coin_cooldown_s=300), "cooldown"),
    (dict(last=NOW - 300_000, coin_cooldown_s=300), "sent"),
    (dict(coin_hour=6, max_per_coin_per_hour=6), "held"),
    (dict(hour=30, max_per_hour=30), "held"),
    (dict(signal=sample(STOP_HUNT, LONG, "BTC", priority="URGENT"), hour=30, max_per_hour=30), "sent"),
])
def test_the_first_reason_that_applies_names_the_status(case, expected):
    assert status(**case) == expected


def test_a_decision_is_written_into_the_signal_and_a_sent_one_is_never_asked_again():
    p, coins, state = policy(coin_cooldown_s=300)
    first = sample(STOP_HUNT, LONG, "BTC", priority="WATCH")
    assert p.decide(first, NOW) == "sent" and first.alert == "sent"
    state["paused"] = True
    coins.mute("BTC", NOW + 60 * MIN)
    assert p.decide(revise(first), NOW + MIN) == "sent"  # an update of a sent signal is an edit
    assert first.as_dict()["alert"] == "sent"


def test_a_refused_signal_is_asked_again_on_its_update_but_never_on_its_outcome():
    p, _, state = policy()
    state["paused"] = True
    signal = sample(STOP_HUNT, LONG, "BTC", priority="WATCH")
    assert p.decide(signal, NOW) == "paused"
    state["paused"] = False
    assert p.decide(revise(signal, "outcome"), NOW + MIN) == "paused"  # an outcome never starts an alert
    assert p.decide(revise(signal), NOW + 2 * MIN) == "sent"  # the episode grew after the pause: it goes out


def test_one_alert_per_coin_per_cooldown_other_coins_unaffected():
    p, _, _ = policy(coin_cooldown_s=300)
    assert send(p, "BTC", NOW) == "sent"
    assert send(p, "BTC", NOW + 299_000) == "cooldown"
    assert send(p, "ETH", NOW + 1_000) == "sent"
    assert send(p, "BTC", NOW + 300_000) == "sent"
    assert p.refused["cooldown"] == 1


def test_at_most_max_per_hour_alerts_in_any_hour():
    p, coins, _ = policy(max_per_hour=3, coin_cooldown_s=1)
    for c in ("A", "B", "C", "D"):
        coins.add(c)
    assert [send(p, c, NOW + i * MIN) for i, c in enumerate("ABCD")] == ["sent", "sent", "sent", "held"]
    assert send(p, "D", NOW + 60 * MIN) == "sent"  # the first left the hour


def test_the_caps_survive_a_restart():
    p, _, _ = policy(max_per_hour=5, coin_cooldown_s=300)
    p.restore([("BTC", NOW - 2 * MIN)])
    assert send(p, "BTC", NOW) == "cooldown"
    p2, coins, _ = policy(max_per_hour=2, coin_cooldown_s=1)
    p2.restore([("BTC", NOW - 10 * MIN), ("ETH", NOW - 5 * MIN)])
    coins.add("SOL")
    assert send(p2, "SOL", NOW) == "held"


def test_each_coin_has_its_own_budget_and_a_held_signal_is_marked():
    p, _, _ = policy(max_per_coin_per_hour=2, coin_cooldown_s=1)
    assert [send(p, "BTC", NOW + i * MIN) for i in range(3)] == ["sent", "sent", "held"]
    assert send(p, "ETH", NOW + 3 * MIN) == "sent"  # BTC's chatter does not use ETH's budget
    held = sample(STOP_HUNT, LONG, "BTC", priority="INFO")
    assert p.decide(held, NOW + 4 * MIN) == "held" and held.as_dict()["alert"] == "held"
    assert p.decide(revise(held), NOW + 61 * MIN) == "sent"  # asked again on its update: sent


def test_an_urgent_cascade_is_never_held_by_small_coins_chatter():
    p, coins, _ = policy(max_per_hour=3, coin_cooldown_s=1)
    for c in ("A", "B", "C"):
        coins.add(c)
        assert send(p, c, NOW) == "sent"
    assert send(p, "ETH", NOW + MIN) == "held"
    assert send(p, "BTC", NOW + MIN, priority="URGENT") == "sent"


def test_silent_types_and_undiscovered_coins_are_not_sent():
    p, coins, _ = policy(silent_types=[VOLUME_SPIKE])
    assert p.decide(sample(VOLUME_SPIKE, None, "BTC"), NOW) == "silent"
    assert p.decide(sample(STOP_HUNT, LONG, "BTC"), NOW) == "sent"
    coins.discover("WIF")  # auto-discovered: alertable only with alerts.new_coins
    assert send(p, "WIF", NOW) == "not watched"


def test_a_run_without_telegram_decides_too_and_counts_nothing():
    p, _, _ = policy(telegram=False, coin_cooldown_s=300)
    assert [send(p, "BTC", NOW + i) for i in range(3)] == ["no telegram"] * 3
