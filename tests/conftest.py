"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder (``/work/shared/data``); tests using it skip when it is absent."""
    path = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared real data not found at {path}")
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The seed records shipped with the repository (``examples/seeds``)."""
    return Path(__file__).resolve().parents[1] / "examples" / "seeds"
