"""What the wheel carries: every code package, and the themes, demo recording and default config
(kept at the top of the repository, installed as ``teleglas_assets``).  `.ci/run` installs the
built wheel outside the checkout and runs the demo from it; these are the quick checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

from engine.locations import DEFAULT_CONFIG, DEMO_RECORDING, THEMES
from engine.recording import read_header

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_code_package_is_in_the_wheel():
    """The package list is explicit (discovery cannot map themes/ etc.): a new subpackage left out
    would import in the checkout and fail only once installed."""
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for top in ("engine", "teleglas_tui") for p in (ROOT / top).rglob("__init__.py")}
    listed = set(PYPROJECT["packages"])
    assert on_disk - listed == set()


def test_assets_map_to_the_top_level_folders():
    mapped = {name: ROOT / folder for name, folder in PYPROJECT["package-dir"].items()}
    assert mapped == {"teleglas_assets.config": ROOT / "config",
                      "teleglas_assets.recordings": ROOT / "recordings",
                      "teleglas_assets.themes": ROOT / "themes"}
    for package, patterns in PYPROJECT["package-data"].items():
        if package in mapped:  # each pattern names files that exist (a renamed file would drop out)
            assert all(list(mapped[package].glob(p)) for p in patterns), package


def test_bundled_files_are_found_through_the_package():
    assert read_header(DEMO_RECORDING)["format"] == "teleglas-recording"
    assert (THEMES / "dark.yaml").is_file()
    assert DEFAULT_CONFIG.read_text(encoding="utf-8").startswith("#")
