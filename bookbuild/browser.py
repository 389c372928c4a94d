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


# A page's test, for wait_for_function: whether its Cache API holds
# Python's memory snapshot (worker.mjs keeps one at the first start).
SNAPSHOT_KEPT = """async () => {
  for (const name of await caches.keys()) {
    const kept = await (await caches.open(name)).keys();
    if (name.startsWith('micrograd-book-pyodide-') &&
        kept.some((request) => request.url.endsWith('/pyodide/memory-snapshot'))) return true;
  }
  return false;
}"""
