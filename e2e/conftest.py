"""Fixtures of the browser tests: Debian's Chromium (never a browser build that Playwright downloads),
driven by the Python Playwright package against pytest-django's live server.

Without Chromium (or Playwright) the tests are skipped with the reason on a developer's machine and
fail in CI (`CI=true`), where `.ci/run` installs Chromium first: a browser test that CI skipped would
hide a broken journey behind a green run.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from django.db import connections

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Every wait of the sync API, in milliseconds: a shared CI machine with 2 cores is slow, never this slow.
TIMEOUT_MS = 30_000


def chromium_path() -> Path:
    return Path(os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM)


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def browser_missing() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (make .venv/.installed installs requirements-dev.txt)"
    path = chromium_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        return f"no Chromium at {path} (apt-get install chromium, or set CHROMIUM_PATH)"
    return ""


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    reason = browser_missing()
    if reason and on_ci():
        pytest.fail(f"CI runs the browser tests and cannot: {reason}", pytrace=False)
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    return str(chromium_path())


@pytest.fixture
def browser(chromium_executable: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """A headless Chromium for one test.

    Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse the test's
    own ORM calls (the fixtures, the outbox drain) as "async unsafe"; they are plain blocking calls while
    the browser waits, so they are allowed for the test's duration only. The browser and its loop are
    gone before pytest-django flushes the database.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # A Russian-speaking person's browser: the pages follow Accept-Language (the context's locale), and
    # Chromium's own controls (date fields, the file chooser) follow LANGUAGE when chromium-l10n is there.
    environment = {**os.environ, "LANGUAGE": "ru"}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, headless=True, env=environment)
        try:
            yield browser
        finally:
            # While the loop runs, asgiref treats this thread as async and gives Django a separate set of
            # connections; close those now, while they are reachable: a connection left open keeps
            # PostgreSQL from dropping the test database at the end of the run.
            connections.close_all()
            browser.close()


@pytest.fixture
def new_context(browser: Browser, django_db_setup: None, live_server: Any) -> Iterator[Callable[..., BrowserContext]]:
    """Open a fresh browser profile (its own cookies: one per person) on the live server.

    `django_db_setup` is asked for before `live_server`: the server starts on the test database (an
    in-memory SQLite one is shared with the server through this thread's connection) and stops before
    that database is dropped.
    The service worker is blocked: its background fetches and cached pages would race with what a test
    asserts about the server's answers; `cabinet/tests/test_pwa.py` tests the worker itself.
    """
    contexts: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url,
            locale="ru-RU",
            viewport={"width": 1280, "height": 900},
            service_workers="block",
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def browser_state(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """VAR_DIR under tmp, for the files the server writes: the SMS file adapter's outbox
    (`sms-outbox.jsonl`, where the test reads the codes a phone would receive) and uploaded documents.
    Clean rate-limit counters (the cache), as a new visitor meets them."""
    settings.VAR_DIR = tmp_path
    settings.NOTIFICATIONS_SMS_ADAPTER = "file"
    settings.NOTIFICATIONS_SMS_FILE = tmp_path / "sms-outbox.jsonl"
    cache.clear()
    yield tmp_path
    cache.clear()
