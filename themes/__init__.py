"""Shipped in the wheel as the package ``teleglas_assets.themes`` (see pyproject.toml); found with
importlib.resources by ``engine/locations.py``."""
