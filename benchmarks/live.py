"""Benchmark of the live pages: Python in the reader's browser (Pyodide).

    python benchmarks/live.py            (after `make html`; make benchmark runs it)

Measured in headless Chromium (/usr/bin/chromium, through playwright) over a
local HTTP server of the built site; a request anywhere else is an error:

- start-up: from the click on "Run the code" to the first output of a Run
  clicked right after it (chapter 2's first cell), each time in a browser
  with a new, empty profile, so that nothing is cached: what a reader
  opening the page for the first time waits. The median of three. Then a
  repeat visit: the page reloaded, the profile's disk cache holding the
  site's files, as a reader's browser would. The first start loads Python
  from the memory snapshot the site ships (setup/pyodide_snapshot.mjs),
  the repeat from the unpacked copy the first kept in the browser's Cache
  API (bookbuild/live/worker.mjs).
- the moons training step (MLP(2, [16, 16, 1]), 100 points, the chapter's
  loss: benchmarks/moons.py) in the browser, against the same step in
  native CPython (this Python), both on the same package: the snapshot the
  site ships with its last page, the package as the whole book makes it.
  Medians over the steps; the losses must agree within 1e-9 (the two
  Pythons differ in version: Pyodide 314.0.7 is CPython 3.14).
- the live Loop (chapter 11's page): the spiral with hidden layers 16,16
  (50 points), run to step 20 with "Run to step": the time a step takes as
  the reader sees it (from the click to step 20, over 20: the step, its
  picture and the drawing), and the worker's own time for a step and its
  picture (the median).

Targets (issue 23): a Run answered within 2.0 s of switching on, cold, and
within 1.2 s on a repeat visit (issue 11's target, cold, was 3 s); the step
in the browser within 3x native; the Loop's 16-16 spiral step within
150 ms, as the reader sees it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import math
import statistics
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from bookbuild.browser import SNAPSHOT_KEPT, launch, launch_profile  # noqa: E402

SITE = ROOT / "_build" / "html"
PAGE = "book/02-value.html"  # the first chapter with live code and a package
# The last page's snapshot is the whole package, as benchmarks/run.py times it.
MOONS_PAGE = "book/90-how-pictures-are-made.html"
MOONS_PACKAGE = SITE / "_static" / "live" / "90-how-pictures-are-made.zip"
START_TARGET = 2.0  # seconds, cold
REPEAT_TARGET = 1.2  # seconds, a repeat visit
repeat_seconds: list[float] = []  # of each start's repeat visit
pyodide_seconds: list[float] = []  # of each start, loading Pyodide itself
STEP_TARGET = 3.0  # times native
LOOP_PAGE = "book/11-moons.html?loop=data:spiral;hidden:16,16"
LOOP_STEPS = 20
LOOP_TARGET = 150  # ms a step, as the reader sees it

STEP_CODE = """
import json, statistics, time
X, y = points()
model = network(MLP)
optimizer = SGD(model.parameters())
seconds, losses = [], []
for k in range(STEPS):
    started = time.perf_counter()
    total = loss(model, X, y)
    optimizer.zero_grad()
    total.backward()
    optimizer.lr = learning_rate(k, STEPS)
    optimizer.step()
    seconds.append(time.perf_counter() - started)
    losses.append(total.data)
import platform
print(json.dumps({'step': statistics.median(seconds), 'losses': losses,
                  'python': platform.python_version()}))
"""


def step_program(steps: int) -> str:
    """The moons step as one program: benchmarks/moons.py, then the loop."""
    return (
        (HERE / "moons.py").read_text(encoding="utf-8")
        + "\nfrom micrograd.nn import MLP, SGD\n"
        + f"STEPS = {steps}\n"
        + STEP_CODE
    )


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_port}/", httpd


def watched(page, base: str) -> list[str]:
    """The errors of `page`, as they come: what its console says is an
    error, and any request outside the local server. (Requests are watched,
    not intercepted: intercepting turns the browser's HTTP cache off, and a
    repeat visit needs it.)"""
    errors: list[str] = []
    page.on(
        "console",
        # The browser asks for /favicon.ico by itself; the site has none.
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on(
        "request",
        lambda r: None if r.url.startswith(base) else errors.append(f"outside request {r.url}"),
    )
    return errors


def fresh_page(browser, base: str, path: str):
    """A page in a new browser context (an empty cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watched(page, base)
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    return context, page, errors


def start_up(playwright, base: str) -> float:
    """Seconds from the click on "Run the code" to the first output of a
    Run clicked right after, cold (a browser profile of its own, empty);
    the same on a repeat visit (the page reloaded, the profile's disk cache
    holding what the first visit fetched) goes to repeat_seconds."""
    with tempfile.TemporaryDirectory() as folder:
        context = launch_profile(playwright, Path(folder), viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = watched(page, base)
        page.goto(base + PAGE)
        page.wait_for_load_state("networkidle")
        seconds = first_output(page, errors)
        pyodide_seconds.append(page.evaluate("bookLive.pyodideMs") / 1000)
        # The unpacked snapshot is kept in the background: wait for it.
        page.wait_for_function(SNAPSHOT_KEPT, polling=200, timeout=60_000)
        page.reload()
        page.wait_for_load_state("networkidle")
        repeat_seconds.append(first_output(page, errors))
        context.close()
    return seconds


def first_output(page, errors: list[str]) -> float:
    page.click('[data-live="toggle"]')
    page.locator('[data-live="cell"] [data-live="run"]').first.click()
    page.wait_for_function("window.bookLive.firstOutputMs !== null", timeout=120_000)
    output = page.locator('[data-live="cell"] [data-live="output"]').first.inner_text()
    if output.strip() != "4.0" or errors:
        raise SystemExit(f"live benchmark: the first cell gave {output!r}; {errors}")
    return page.evaluate("bookLive.firstOutputMs") / 1000


def browser_step(browser, base: str, steps: int) -> dict:
    context, page, errors = fresh_page(browser, base, MOONS_PAGE)
    page.click('[data-live="toggle"]')
    page.wait_for_function("window.bookLive.startMs !== null", timeout=120_000)
    index = page.evaluate("bookLive.cells.findIndex(c => !c.entry.jupyter)")
    ok = page.evaluate("([i, code]) => bookLive.cells[i].run(code)", [index, step_program(steps)])
    messages = page.evaluate(f"bookLive.cells[{index}].outputs")
    context.close()
    text = "".join(m.get("text", "") for m in messages if m["type"] == "stream")
    if not ok or errors:
        raise SystemExit(f"live benchmark: the step failed in the browser: {messages} {errors}")
    return json.loads(text)


def loop_step(browser, base: str) -> dict:
    """The live Loop's 16-16 spiral, run to step LOOP_STEPS: ms a step as
    the page sees it, and the worker's median."""
    context, page, errors = fresh_page(browser, base, LOOP_PAGE)
    page.click('[data-live="toggle"]')
    page.wait_for_function("window.bookLoop && bookLoop.state.ready", timeout=120_000)
    page.wait_for_function("bookLoop.state.plane !== undefined", timeout=120_000)
    wall = page.evaluate(
        """async (steps) => {
          const started = performance.now();
          await bookLoop.runTo(steps);
          return (performance.now() - started) / steps;
        }""",
        LOOP_STEPS,
    )
    state = page.evaluate("({step: bookLoop.state.step, ms: bookLoop.state.stepMs})")
    context.close()
    if state["step"] != LOOP_STEPS or len(state["ms"]) != LOOP_STEPS or errors:
        raise SystemExit(
            f"live benchmark: the Loop did not run to step {LOOP_STEPS}: {state} {errors}"
        )
    return {"wall_ms": wall, "worker_ms": statistics.median(state["ms"])}


def native_step(steps: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        zipfile.ZipFile(MOONS_PACKAGE).extractall(folder)
        # -I: only the snapshot, put first on sys.path, is importable.
        program = "import sys\nsys.path.insert(0, sys.argv[1])\n" + step_program(steps)
        done = subprocess.run(
            [sys.executable, "-I", "-c", program, folder],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"live benchmark: the native step failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="moons steps (20)")
    parser.add_argument("--starts", type=int, default=3, help="cold starts (3)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (SITE / PAGE).exists() or not MOONS_PACKAGE.exists():
        raise SystemExit("live benchmark: no built site with live pages; run `make html`")
    from playwright.sync_api import sync_playwright

    base, httpd = serve(SITE)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            print("live benchmark: cold starts ...", file=sys.stderr)
            starts = [start_up(playwright, base) for _ in range(args.starts)]
            print("live benchmark: moons steps in the browser ...", file=sys.stderr)
            browser_result = browser_step(browser, base, args.steps)
            print("live benchmark: the Loop's 16-16 spiral ...", file=sys.stderr)
            loop = loop_step(browser, base)
            browser.close()
    finally:
        httpd.shutdown()
    print("live benchmark: moons steps in native CPython ...", file=sys.stderr)
    native = native_step(args.steps)
    if not all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        for a, b in zip(browser_result["losses"], native["losses"], strict=True)
    ):
        raise SystemExit(
            "live benchmark: the losses in the browser differ from "
            f"native:\n{browser_result['losses']}\n{native['losses']}"
        )
    start = statistics.median(starts)
    repeat = statistics.median(repeat_seconds)
    ratio = browser_result["step"] / native["step"]
    met = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    print(
        "\n".join(
            [
                "live pages: Pyodide in headless Chromium, served locally",
                f"  start-up, click to first output, cold (median of {len(starts)}): "
                f"{start:.2f} s  (each: {', '.join(f'{s:.2f}' for s in starts)}; of it "
                f"loading Pyodide itself: {statistics.median(pyodide_seconds):.2f} s)",
                f"  start-up, a repeat visit (median of {len(repeat_seconds)}): {repeat:.2f} s  "
                f"(each: {', '.join(f'{s:.2f}' for s in repeat_seconds)})",
                f"  moons step in the browser (Python {browser_result['python']}): "
                f"{browser_result['step'] * 1e3:,.0f} ms, native "
                f"CPython {sys.version.split()[0]}: {native['step'] * 1e3:,.0f} ms, "
                f"ratio {ratio:.2f}x  (median of {args.steps} steps; losses agree)",
                f"  the live Loop, spiral, hidden 16,16: {loop['wall_ms']:,.0f} ms a step as "
                f"the page sees it (to step {LOOP_STEPS}), {loop['worker_ms']:,.0f} ms of it "
                "in the worker (median)",
                "targets",
                f"  [{met(start <= START_TARGET):>6}] a Run answered within {START_TARGET:g} s "
                f"of switching on, cold: {start:.2f} s",
                f"  [{met(repeat <= REPEAT_TARGET):>6}] and within {REPEAT_TARGET:g} s on a "
                f"repeat visit: {repeat:.2f} s",
                f"  [{met(ratio <= STEP_TARGET):>6}] the step within {STEP_TARGET:g}x native: "
                f"{ratio:.2f}x",
                f"  [{met(loop['wall_ms'] <= LOOP_TARGET):>6}] the Loop's 16-16 spiral step "
                f"within {LOOP_TARGET} ms: {loop['wall_ms']:,.0f} ms",
            ]
        )
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "starts": starts,
                    "repeats": repeat_seconds,
                    "browser": browser_result,
                    "native": native,
                    "loop": loop,
                },
                indent=1,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
