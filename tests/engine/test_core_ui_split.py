"""The engine never imports the UI (harlequin's rule): every module under engine/ is imported in a
fresh interpreter and neither Textual, Rich nor teleglas_tui may appear in sys.modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, pkgutil, sys
import engine
for info in pkgutil.walk_packages(engine.__path__, "engine."):
    importlib.import_module(info.name)
leaks = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich", "teleglas_tui"))
print(",".join(leaks))
"""


def test_no_engine_module_imports_the_ui():
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_the_command_line_entry_does_not_import_the_ui_for_backtest():
    probe = ("import sys; from teleglas_tui import cli; cli.build_parser(); "
             "print([m for m in sys.modules if m.startswith(('textual', 'rich'))])")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
