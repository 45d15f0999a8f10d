"""Screenshots of the pages a journey passes, for the README: `make screenshots` writes docs/screenshots/.

Taken only when E2E_SCREENSHOTS_DIR is set, at a phone's width (360 px: the top of the page, about two
screens, since a whole page on a phone is a strip too long to read in a README) and at a desktop's
(1280 px: the whole page unless `full_page=False`). Native controls (date fields, the file chooser) are
drawn in the browser's own language: Russian with Debian's `chromium-l10n`, US English without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MOBILE = {"width": 360, "height": 780}
MOBILE_HEIGHT_SHOWN = 1400
DESKTOP = {"width": 1280, "height": 900}


def screenshots_dir() -> Path | None:
    value = os.environ.get("E2E_SCREENSHOTS_DIR", "").strip()
    return Path(value) if value else None


def _settle(page: Any, size: dict[str, int]) -> int:
    """Lay the page out at this viewport size with its fonts loaded; the page's height."""
    page.set_viewport_size(size)
    return int(page.evaluate("document.fonts.ready.then(() => document.documentElement.scrollHeight)"))


def screenshot_take(page: Any, *, name: str, full_page: bool = True) -> list[Path]:
    """Save `<name>-mobile.png` and `<name>-desktop.png`; the page's viewport is restored after."""
    directory = screenshots_dir()
    if directory is None:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    options = {"animations": "disabled", "caret": "hide"}

    height = _settle(page, MOBILE)
    mobile = directory / f"{name}-mobile.png"
    clip = {"x": 0, "y": 0, "width": MOBILE["width"], "height": min(height, MOBILE_HEIGHT_SHOWN)}
    page.screenshot(path=str(mobile), full_page=True, clip=clip, **options)

    _settle(page, DESKTOP)
    desktop = directory / f"{name}-desktop.png"
    page.screenshot(path=str(desktop), full_page=full_page, **options)

    if viewport:
        page.set_viewport_size(viewport)
    return [mobile, desktop]
