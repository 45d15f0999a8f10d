"""Fixed-window counters in Django's cache, for the claim's limits per account and per address.

allauth limits its own forms (settings.ACCOUNT_RATE_LIMITS); the claim is ours, so it counts here.
The cache must be shared by every web process in production (settings.CACHES: Redis), or each
process would count on its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    action: str
    limit: int
    window_seconds: int


def _key(limit: Limit, subject: str) -> str:
    window = int(time.time()) // limit.window_seconds
    return f"cabinet:rl:{limit.action}:{subject}:{window}"


def hit(limit: Limit, subject: str) -> bool:
    """Count one event for `subject`; False once the window's budget is spent."""
    key = _key(limit, subject)
    # add() is atomic: it creates the counter once per window; incr() is atomic on Redis and locmem.
    cache.add(key, 0, timeout=limit.window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add() and incr()
        cache.set(key, 1, timeout=limit.window_seconds)
        count = 1
    return count <= limit.limit


def exhausted(limit: Limit, subject: str) -> bool:
    """True when the window's budget for `subject` is already spent (counts nothing)."""
    return (cache.get(_key(limit, subject)) or 0) >= limit.limit
