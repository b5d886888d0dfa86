"""Settings: config/teleglas.yaml lists every setting at its default; bad values stop start-up
with one line naming the key."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.settings import Settings, SettingsError, load_settings

CONFIG = Path(__file__).resolve().parents[2] / "config" / "teleglas.yaml"


def _leaves(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_config_file_lists_every_setting_at_its_default():
    in_file = _leaves(yaml.safe_load(CONFIG.read_text()))
    defaults = _leaves(dataclasses.asdict(Settings()))
    assert sorted(in_file) == sorted(defaults)
    assert {k: in_file[k] for k in defaults} == defaults


def test_every_setting_in_the_file_has_a_comment():
    for n, line in enumerate(CONFIG.read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and ":" in stripped and not stripped.endswith(":"):
            assert "#" in line, f"line {n} has no comment: {line}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gate:\n  min_strength: high\n", "config: gate.min_strength must be a number, got 'high'"),
        ("gate:\n  min_confidnce: 70\n", "config: unknown setting gate.min_confidnce"),
        ("context:\n  mode: yolo\n", "config: context.mode must be one of strict, normal, permissive, got 'yolo'"),
        ("stop_hunt:\n  window_s: -1\n", "config: stop_hunt.window_s must be greater than 0, got -1"),
        ("order_flow:\n  min_trades: 2.5\n", "config: order_flow.min_trades must be a whole number, got 2.5"),
        ("telegram:\n  enabled: maybe\n", "config: telegram.enabled must be true or false, got 'maybe'"),
        ("gate: [1, 2]\n", "config: gate must be a mapping of settings, got [1, 2]"),
        ("gate:\n  min_confidence: 70\n bad indent: 1\n", "is not valid YAML at line"),
    ],
)
def test_bad_settings_are_one_clear_line(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as err:
        load_settings(path, environ={})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_environment_overrides_the_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("gate:\n  min_strength: 80\n")
    s = load_settings(path, environ={"TELEGLAS__GATE__MIN_STRENGTH": "75", "TELEGLAS__CONTEXT__MODE": "strict"})
    assert s.gate.min_strength == 75 and s.context.mode == "strict"


def test_a_bad_config_stops_the_command_with_one_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("gate:\n  cooldown_s: soon\n")
    proc = subprocess.run([sys.executable, "-m", "teleglas_tui.cli", "--config", str(path), "backtest", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "teleglas: config: gate.cooldown_s must be a number, got 'soon'"


def test_an_old_config_with_a_retired_setting_still_starts_and_says_what_replaced_it(tmp_path, caplog):
    """The first version's default file had gate.max_per_hour; a trader's copy must not stop the
    upgraded app."""
    path = tmp_path / "old.yaml"
    path.write_text("gate:\n  max_per_hour: 50\n  min_strength: 75\n")
    settings = load_settings(path, environ={})
    assert settings.gate.min_strength == 75
    assert "gate.max_per_hour is no longer used (the hourly cap is now an alert budget, alerts.max_per_hour" in caplog.text


def test_an_old_config_with_the_adaptive_section_starts_and_names_what_replaced_it(tmp_path, caplog):
    path = tmp_path / "old.yaml"
    path.write_text("adaptive:\n  enabled: true\n  ema_alpha: 0.1\n  tier_min_outcomes: 5\n")
    load_settings(path, environ={})
    assert "config: adaptive is no longer used (a signal's confidence is now the probability" in caplog.text


def test_tier3_coins_is_named_once_and_ignored(tmp_path, caplog):
    """Every coin not in tier 1 or 2 is tier 3: a tier-3 list changed nothing, so it is gone."""
    path = tmp_path / "old.yaml"
    path.write_text("tiers:\n  tier3:\n    coins: [PEPE]\n    cascade_usd: 60000\n")
    s = load_settings(path, environ={})
    assert s.tiers.tier3.cascade_usd == 60_000
    assert "config: tiers.tier3.coins is no longer used (every coin not in tier 1 or 2 is tier 3" in caplog.text


class TestTheOldMinConfidence:
    """gate.min_confidence was the score's threshold (the first versions' default file had it at
    80); it is now the measured probability's, and the score's is gate.min_strength."""

    def test_alone_it_keeps_its_old_meaning_with_one_line(self, tmp_path, caplog):
        path = tmp_path / "old.yaml"
        path.write_text("gate:\n  min_confidence: 80\n  cooldown_s: 3600\n")
        s = load_settings(path, environ={})
        assert s.gate.min_strength == 80 and s.gate.min_confidence == 0
        assert "config: gate.min_confidence 80 is read as gate.min_strength" in caplog.text
        env = load_settings(None, environ={"TELEGLAS__GATE__MIN_CONFIDENCE": "75"})
        assert env.gate.min_strength == 75 and env.gate.min_confidence == 0

    def test_beside_min_strength_it_is_the_probability(self, tmp_path, caplog):
        path = tmp_path / "new.yaml"
        path.write_text("gate:\n  min_strength: 70\n  min_confidence: 55\n")
        s = load_settings(path, environ={})
        assert s.gate.min_strength == 70 and s.gate.min_confidence == 55
        assert "is read as" not in caplog.text
        split = load_settings(tmp_path / "new.yaml", environ={"TELEGLAS__GATE__MIN_CONFIDENCE": "60"})
        assert split.gate.min_confidence == 60  # min_strength is set in the file

    def test_the_shipped_file_sets_both(self):
        from pathlib import Path

        text = (Path(__file__).resolve().parents[2] / "config" / "teleglas.yaml").read_text()
        assert "\n  min_strength: 70 " in text and "\n  min_confidence: 0 " in text


def test_watch_confidence_is_read_as_watch_strength(tmp_path, caplog):
    path = tmp_path / "old.yaml"
    path.write_text("alerts:\n  watch_confidence: 80\n  urgent_confidence: 90\n")
    s = load_settings(path, environ={})
    assert s.alerts.watch_strength == 80
    assert "config: alerts.watch_confidence is now alerts.watch_strength" in caplog.text
    assert "config: alerts.urgent_confidence is no longer used (strength alone no longer makes" in caplog.text
