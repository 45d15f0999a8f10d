from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The public calculator is throttled per address through the cache; every test starts afresh."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Texts built outside a request (the engine's "why") use the active language, which defaults to
    Russian; the scenario tables are written against the English texts."""
    from django.utils import translation

    with translation.override("en"):
        yield
