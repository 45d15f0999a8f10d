"""Entry points of the parallel seeding processes (`seed_demo --workers N`, PostgreSQL only).

Workers are spawned, not forked: a forked child would share the parent's database socket. A spawned
interpreter must set Django up before it imports a module that defines models, so this module (and
`ChunkSettings`, which is pickled to the workers) imports nothing from the project at load time.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChunkSettings:
    """What every chunk of one run shares (and what a worker process receives once)."""

    seed: int
    organization_ids: dict[int, int]
    method: str
    # False: skip PostgreSQL's per-row foreign-key triggers; the run checks every key set-wise at the end.
    fk_triggers: bool = True


_STATE: dict[str, ChunkSettings] = {}


def setup(settings: ChunkSettings) -> None:
    """Pool initializer: Django first, then the run's settings, then the orphan watchdog."""
    import django

    django.setup()
    _STATE["settings"] = settings
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """Leave when the seeding process is gone (killed): a pool worker would otherwise wait for work forever.

    Exiting mid-chunk is safe: the database rolls back the chunk's open transaction.
    """
    while os.getppid() == parent:
        time.sleep(2)
    os._exit(1)


def seed_chunk(indices: range) -> Any:
    from profiles.demo.writer import seed_chunk

    return seed_chunk(indices=indices, settings=_STATE["settings"])
