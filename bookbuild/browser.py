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


def chromium() -> str:
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt)"
        )
    return CHROMIUM


def launch(playwright: Any) -> Any:
    """A headless Chromium from `playwright` (a started sync_playwright()).
    Its contexts are like private windows: their HTTP cache is small and in
    memory."""
    return playwright.chromium.launch(executable_path=chromium(), args=list(FLAGS))


def launch_profile(playwright: Any, folder: Path, **options: Any) -> Any:
    """A headless Chromium with a profile of its own in `folder`, empty at
    first, with a disk cache as a reader's browser has: one browser context
    (`options` are the context's, such as the viewport)."""
    return playwright.chromium.launch_persistent_context(
        str(folder), executable_path=chromium(), args=list(FLAGS), **options
    )


# A page's test, for wait_for_function: whether its Cache API holds the
# unpacked memory snapshot of Python (worker.mjs keeps it at a first start).
SNAPSHOT_KEPT = """async () => {
  for (const name of await caches.keys()) {
    const kept = await (await caches.open(name)).keys();
    if (name.startsWith('micrograd-book-pyodide-') &&
        kept.some((request) => request.url.endsWith('/pyodide/memory-snapshot.bin'))) return true;
  }
  return false;
}"""
