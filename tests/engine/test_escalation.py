"""Escalation (issue 17, item 5; SPEC.md, Alerts): once a stop hunt was alerted, a cascade on the
same coin and side reaching stop_hunt.escalation_ratio (2) x the one alerted — the same episode
grown or a new one — is a new signal and a new alert, through the cooldowns."""

from __future__ import annotations

from builders import Run, liq, settings

from engine.alerts.policy import AlertReplay
from engine.model import LONG, SHORT, STOP_HUNT


def _run():
    return Run(settings(alerts={"new_coins": True}))


def test_the_same_episode_grown_to_twice_its_cascade_is_a_new_signal():
    run = _run()
    run.feed(liq(0, "FET", LONG, 60_000))  # $60k of longs: the alert
    run.feed(liq(5, "FET", LONG, 50_000))  # $110k: an update of the same signal
    (first,) = run.of_type(STOP_HUNT)
    assert first.metrics["liquidated_usd"] == 110_000
    run.feed(liq(10, "FET", LONG, 10_000))  # $120k in the window: 2 x $60k
    first_, second = run.of_type(STOP_HUNT)
    assert first_ is first and second.direction == LONG
    assert second.metrics["escalates"] == first.id
    assert (second.metrics["escalated_from_usd"], second.metrics["cascade_usd"]) == (60_000, 120_000)
    revision = first.revision
    run.feed(liq(12, "FET", LONG, 30_000))  # the episode's updates go to the new signal now
    assert first.revision == revision and second.metrics["liquidated_usd"] == 150_000
    run.feed(liq(14, "FET", LONG, 90_000))  # $240k: 2 x $120k, the next one
    assert [s.metrics.get("escalates") for s in run.of_type(STOP_HUNT)] == [None, first.id, second.id]


def test_a_new_episode_twice_the_alerted_cascade_passes_the_cooldown():
    run = _run()
    run.feed(liq(0, "FET", LONG, 60_000))
    run.feed(liq(100, "FET", LONG, 70_000))  # a new episode, under 2 x: the gate's cooldown drops it
    assert len(run.of_type(STOP_HUNT)) == 1 and run.engine.gate.drops["cooldown"] == 1
    run.feed(liq(105, "FET", LONG, 50_000))  # $120k of longs in the window: 2 x the alerted $60k
    first, second = run.of_type(STOP_HUNT)
    assert second.metrics["escalates"] == first.id and second.ts == first.ts + 105_000


def test_the_other_side_does_not_escalate_and_a_calm_coin_starts_over():
    run = _run()
    run.feed(liq(0, "FET", LONG, 60_000))
    run.feed(liq(1, "FET", SHORT, 200_000))  # a short squeeze: the coin's view now, not an escalation
    (hunt,) = run.of_type(STOP_HUNT)
    assert hunt.direction == SHORT and "escalates" not in hunt.metrics
    run.feed(liq(1_000, "FET", LONG, 130_000))  # long after the gate forgot the first: a plain new signal
    assert "escalates" not in run.of_type(STOP_HUNT)[-1].metrics


def test_an_escalation_is_a_new_alert_through_the_coin_cooldown():
    run = _run()
    replay = AlertReplay(run.engine.settings)
    for event in (liq(0, "FET", LONG, 60_000), liq(10, "FET", LONG, 60_000)):
        for signal in run.feed(event):
            replay.on_signal(signal)
    assert len(run.signals) == 2 and replay.sent == set(run.signals)  # 10 s apart (coin cooldown 300 s)
