"""Background jobs of the exchange pipeline: hand newly stored records to the linker.

Linking is another app's job (`linkage.services.records_link(*, record_ids)`), written after this
one; until it exists, ingestion stores records unlinked and says so in the log. The import is by
name on purpose: exchange must not fail to load while linkage is absent.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def linker_get(name: str = "records_link") -> Callable[..., object] | None:
    """`linkage.services.<name>` (`records_link`, `records_link_pending`) if that app provides it, else None."""
    try:
        services = importlib.import_module("linkage.services")
    except ModuleNotFoundError as error:
        if error.name not in {"linkage", "linkage.services"}:
            raise  # linkage.services exists but is broken: that must not pass silently
        return None
    linker = getattr(services, name, None)
    return linker if callable(linker) else None


def records_link_enqueue(*, record_ids: list[int]) -> None:
    """Queue a link job for these records once the current transaction commits (never before)."""
    transaction.on_commit(partial(async_task, records_link_task, list(record_ids), group="exchange-link"))


def records_link_task(record_ids: list[int]) -> None:
    linker = linker_get()
    if linker is None:
        logger.warning(
            "records_link_task: linkage.services.records_link is gone; %s records stay unlinked", len(record_ids)
        )
        return
    linker(record_ids=record_ids)
