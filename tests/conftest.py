"""What the tests share: the repository and its book, the built products, a
browser, a clean install, and the few helpers that read them.

Test modules take the fixtures as arguments and import the plain helpers and
constants from here (`from conftest import ...`); no test module imports
another. The repository root comes first on `sys.path` (tangle, micrograd),
and benchmarks/ last, for the moons problem the benchmarks and the tests
share (benchmarks/moons.py, imported as `moons`).
"""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import threading
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.append(str(ROOT / "benchmarks"))

from tangle.book import Book  # noqa: E402  (needs ROOT on sys.path)
from tangle.tangler import Result, tangle_book  # noqa: E402

BUILD = ROOT / "_build"
HTML = BUILD / "html"
EXECUTED = BUILD / "jupyter_execute"  # the chapters as the build ran them
PDF = BUILD / "latex" / "micrograd-book.pdf"
CHROMIUM = "/usr/bin/chromium"

# The pages with moving pictures, and the kind of each figure on the page, in
# page order.
FIGURE_PAGES = {
    "book/04-neuron": ["neuron"],
    "book/05-backward": ["graph"],
    "book/09-networks": ["network"],
    "book/11-moons": ["loop"],
    "book/90-how-pictures-are-made": ["graph"],
}


# -- the repository ------------------------------------------------------------


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def book() -> Book:
    """The book of this repository, as the tangler and the build read it."""
    return Book.load(ROOT)


@pytest.fixture(scope="session")
def tangled(book: Book) -> Result:
    """The package the chapters make: files, captions and snapshots."""
    return tangle_book(book)


# -- the lecture's examples ---------------------------------------------------------


def lecture_neuron(tanh: Callable | None = None) -> tuple:
    """The lecture's neuron, o = tanh(x1*w1 + x2*w2 + b), built afresh from
    new Values (`tanh` may be another way to compute it): (o, the sum n that
    goes into tanh, the inputs (x1, x2, w1, w2, b))."""
    from micrograd.engine import Value

    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    return (tanh or Value.tanh)(n), n, (x1, x2, w1, w2, b)


# -- the built products (`make book` builds them; tests never rebuild) -----------


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The site `make book` built; the tests read it, never rebuild it."""
    if not (HTML / "index.html").exists():
        pytest.fail("no built site in _build/html: run `make book` (make test does)")
    return HTML


@pytest.fixture(scope="session")
def built_pdf() -> Path:
    if not PDF.exists():
        pytest.fail(f"no PDF at {PDF}: run `make book` (make test does)")
    return PDF


def page_soup(site: Path, docname: str):
    """The built page of a chapter (`book/02-value`), parsed."""
    from bs4 import BeautifulSoup

    path = site / f"{docname}.html"
    if not path.exists():
        pytest.fail(f"{docname}.md has no page at {path}: run `make book`")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def traces_of(site: Path, docname: str) -> list[dict]:
    """The traces of a page's moving pictures, as Python wrote them into it."""
    return [json.loads(div.find("script", type="application/json").string)
            for div in page_soup(site, docname).select("div.mgv")]


def executed_notebook(docname: str) -> dict:
    """A chapter as the build executed it: its cells and their outputs."""
    path = EXECUTED / f"{docname}.ipynb"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the book (make html)")
    return json.loads(path.read_text(encoding="utf-8"))


# -- the package, installed from a wheel -----------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from the repository, as a user would install it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
         "--disable-pip-version-check", "-w", str(out), str(ROOT)],
        check=True,
    )
    wheels = list(out.glob("micrograd_book-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="session")
def installed_python(wheel, tmp_path_factory) -> Path:
    """The Python of a fresh virtual environment with only the wheel in it."""
    env = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    python = env / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True)
    return python


@pytest.fixture
def run_installed(installed_python: Path, tmp_path: Path) -> Callable[[str], str]:
    """Runs a script with the installed package and returns what it printed.
    Isolated (-I) and started in an empty folder, the script sees the
    installed package, never the repository."""
    def run(script: str) -> str:
        return subprocess.run([installed_python, "-I", "-c", script],
                              capture_output=True, text=True, cwd=tmp_path,
                              check=True).stdout
    return run


# -- the built site in a real browser (test_site.py, test_widgets.py) ---------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        yield browser
        browser.close()


def open_page(browser, url: str, local_prefix: str, theme: str = "light", **options):
    """Load `url`; return the page, its console errors and its outside requests.
    `options` go to the new page (for example reduced_motion="reduce")."""
    page = browser.new_page(viewport={"width": 1280, "height": 900},
                            color_scheme=theme, **options)
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(request_route):
        if request_route.request.url.startswith(local_prefix):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors, outside
