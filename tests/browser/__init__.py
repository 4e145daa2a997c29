"""Real-browser tests of the timeline card (Playwright driving Debian's Chromium)."""
