"""Who gets a message: context block, pause, coin toggle and mute, silent types, per-coin cooldown,
and the alert budget (per coin and for all coins; URGENT never held; held signals marked)."""

from __future__ import annotations

from builders import settings

from engine.alerts.policy import AlertPolicy
from engine.coins import CoinRegistry
from engine.model import LONG, STOP_HUNT
from fakes.signals import sample

NOW = 1_761_125_892_000
MIN = 60_000


def policy(paused=False, **alerts):
    s = settings(alerts=alerts).alerts
    coins = CoinRegistry(["BTC", "ETH"], new_coins_alert=False)
    state = {"paused": paused}
    return AlertPolicy(s, coins, lambda: state["paused"]), coins, state


def send(p, coin, now, priority="WATCH"):
    signal = sample(STOP_HUNT, LONG, coin, priority=priority)
    reason = p.refusal(signal, now)
    if reason is None:
        p.record(coin, now)
    return reason


def test_blocked_paused_toggled_off_muted_and_undiscovered_coins_get_no_message():
    p, coins, state = policy()
    assert p.refusal(sample(blocked=True), NOW) == "blocked by context"
    state["paused"] = True
    assert send(p, "BTC", NOW) == "paused"
    state["paused"] = False
    coins.set_alerts("ETH", False)
    assert send(p, "ETH", NOW) == "coin off or muted"
    coins.mute("BTC", NOW + 30 * MIN)
    assert send(p, "BTC", NOW) == "coin off or muted"
    assert send(p, "BTC", NOW + 31 * MIN) is None  # the mute expired
    coins.discover("WIF")  # auto-discovered: alertable only with alerts.new_coins
    assert send(p, "WIF", NOW) == "coin off or muted"


def test_one_alert_per_coin_per_cooldown_other_coins_unaffected():
    p, _, _ = policy(coin_cooldown_s=300)
    assert send(p, "BTC", NOW) is None
    assert send(p, "BTC", NOW + 299_000) == "coin cooldown"
    assert send(p, "ETH", NOW + 1_000) is None
    assert send(p, "BTC", NOW + 300_000) is None
    assert p.refused["coin cooldown"] == 1


def test_at_most_max_per_hour_alerts_in_any_hour():
    p, coins, _ = policy(max_per_hour=3, coin_cooldown_s=1)
    for c in ("A", "B", "C", "D"):
        coins.add(c)
    assert [send(p, c, NOW + i * MIN) for i, c in enumerate("ABCD")] == [None, None, None, "hourly cap"]
    assert send(p, "D", NOW + 60 * MIN) is None  # the first left the hour


def test_the_caps_survive_a_restart():
    p, _, _ = policy(max_per_hour=5, coin_cooldown_s=300)
    p.restore([("BTC", NOW - 2 * MIN)])
    assert send(p, "BTC", NOW) == "coin cooldown"
    p2, coins, _ = policy(max_per_hour=2, coin_cooldown_s=1)
    p2.restore([("BTC", NOW - 10 * MIN), ("ETH", NOW - 5 * MIN)])
    coins.add("SOL")
    assert send(p2, "SOL", NOW) == "hourly cap"


def test_each_coin_has_its_own_budget_and_a_held_signal_is_marked():
    p, coins, _ = policy(max_per_coin_per_hour=2, coin_cooldown_s=1)
    assert [send(p, "BTC", NOW + i * MIN) for i in range(3)] == [None, None, "coin hourly cap"]
    assert send(p, "ETH", NOW + 3 * MIN) is None  # BTC's chatter does not use ETH's budget
    held = sample(STOP_HUNT, LONG, "BTC", priority="INFO")
    assert p.refusal(held, NOW + 4 * MIN) == "coin hourly cap" and held.held
    assert held.as_dict()["held"] is True
    assert p.refusal(held, NOW + 61 * MIN) is None and not held.held  # asked again later: sent


def test_an_urgent_cascade_is_never_held_by_small_coins_chatter():
    p, coins, _ = policy(max_per_hour=3, coin_cooldown_s=1)
    for c in ("A", "B", "C"):
        coins.add(c)
        assert send(p, c, NOW) is None
    assert send(p, "ETH", NOW + MIN) == "hourly cap"
    assert send(p, "BTC", NOW + MIN, priority="URGENT") is None


def test_silent_types_are_not_sent():
    from engine.model import VOLUME_SPIKE

    p, _, _ = policy(silent_types=[VOLUME_SPIKE])
    assert p.refusal(sample(VOLUME_SPIKE, None, "BTC"), NOW) == "type does not alert"
    assert p.refusal(sample(STOP_HUNT, LONG, "BTC"), NOW) is None
