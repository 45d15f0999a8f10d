"""Browser tests: whole journeys through the real pages, in Debian's Chromium driven by Playwright."""
