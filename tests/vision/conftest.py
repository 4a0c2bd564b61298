"""Fixtures of the vision tests: the fixture photos and one serving pipeline per test session."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DATASETS = FIXTURES / "datasets"
ROOT = Path(__file__).resolve().parent.parent.parent
PHOTOS = ["clothing_tshirt.jpg", "clothing_pants.jpg", "clothing_shoes.jpg", "clothing_dress.jpg",
          "ccp_0008.jpg", "ccp_0016.jpg"]


@pytest.fixture(scope="session")
def pipeline():
    """The serving pipeline on the committed weights, CPU (loaded once for all vision tests)."""
    from vision.inference import load_pipeline

    torch.set_num_threads(2)
    return load_pipeline(device="cpu")
