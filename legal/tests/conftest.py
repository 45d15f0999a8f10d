from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The public calculator is throttled per address through the cache; every test starts afresh."""
    cache.clear()
    yield
    cache.clear()
