"""Paths of the vision tests: the fixture photos and datasets."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DATASETS = FIXTURES / "datasets"
ROOT = Path(__file__).resolve().parent.parent.parent
PHOTOS = [
    "clothing_tshirt.jpg",
    "clothing_pants.jpg",
    "clothing_shoes.jpg",
    "clothing_dress.jpg",
    "ccp_0008.jpg",
    "ccp_0016.jpg",
]

# The session-wide ``pipeline`` fixture (the serving pipeline on the committed weights) is in tests/conftest.py.
