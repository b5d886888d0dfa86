"""Shipped in the wheel as the package ``teleglas_assets.recordings`` (see pyproject.toml); found with
importlib.resources by ``engine/locations.py``."""
