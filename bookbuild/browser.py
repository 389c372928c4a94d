"""Headless Chromium, started one way for the tests (tests/conftest.py) and
the live pages' benchmark (benchmarks/live.py): Debian's chromium, which
`make test` installs, driven by Playwright, with nothing of its own that
would reach the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def launch(playwright: Any) -> Any:
    """A headless Chromium from `playwright` (a started sync_playwright())."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt)"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(FLAGS))
