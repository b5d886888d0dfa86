"""The numbers a signal carries (issue 17): ``strength`` is SPEC's score, ``confidence`` a
probability with its n, or None."""

from __future__ import annotations

from builders import Run, liq

from engine.model import LONG, stored_signal


def test_a_signal_carries_strength_confidence_and_its_n():
    run = Run()
    run.feed(liq(0, "FET", LONG, 30_000), liq(1, "FET", LONG, 30_000))
    (signal,) = run.signals.values()
    data = signal.as_dict()
    assert data["strength"] == 50 + 10 + 15  # SPEC's score: ratio 1.2, one-sided
    assert data["base_strength"] == data["strength"]
    assert set(data) >= {"confidence", "confidence_n"}


def test_a_row_stored_before_strength_reads_its_score_as_strength_and_no_probability():
    old = {"id": "x", "confidence": 83.0, "base_confidence": 80.0}
    assert stored_signal(old) == {"id": "x", "strength": 83.0, "base_strength": 80.0, "confidence": None,
                                  "confidence_n": 0}
    new = {"id": "y", "strength": 70.0, "base_strength": 70.0, "confidence": 52.1, "confidence_n": 40}
    assert stored_signal(dict(new)) == new
