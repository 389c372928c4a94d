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
import math
import re
import shutil
import subprocess
import sys
import textwrap
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

from bookbuild.browser import CHROMIUM, launch  # noqa: E402  (needs ROOT on sys.path)
from tangle.book import Book  # noqa: E402
from tangle.errors import TangleError  # noqa: E402
from tangle.tangler import Result, tangle_book  # noqa: E402

BUILD = ROOT / "_build"
HTML = BUILD / "html"
EXECUTED = BUILD / "jupyter_execute"  # the chapters as the build ran them
PDF = BUILD / "latex" / "micrograd-book.pdf"

# Every chapter but the preface, in reading order: each has a live page and a
# reader's notebook (test_live.py and test_notebooks.py check this list
# against the book; a parametrised test needs it before the book is read).
CODE_CHAPTERS = [
    "01-derivatives",
    "02-value",
    "03-backprop-by-hand",
    "04-neuron",
    "05-backward",
    "06-more-operations",
    "07-pytorch",
    "08-gradient-check",
    "09-networks",
    "10-learning",
    "11-moons",
    "12-why-slow",
    "13-tensors",
    "90-how-pictures-are-made",
]

# The pages with moving pictures, and the kind of each figure on the page, in
# page order.
FIGURE_PAGES = {
    "book/04-neuron": ["neuron"],
    "book/05-backward": ["graph"],
    "book/09-networks": ["network"],
    "book/11-moons": ["loop", "loop"],  # the replay, and Exercise 11.1's
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


# The tiers (`make check` runs neither): a test is marked by the fixtures it
# uses, so that the mark cannot be forgotten. A test that reads the built
# book without one of these fixtures, or builds a small book, says so itself
# with @pytest.mark.build.
TIERS = {
    "build": {"built_site", "built_pdf"},
    "browser": {"browser"},
}


def pytest_itemcollected(item):
    """Mark each test by tier as it is collected, before `-m` reads the
    marks. (No xdist groups: with pytest 9, xdist 3.8's `--dist loadgroup`
    does not group, so each worker makes its own session fixtures.)"""
    used = set(getattr(item, "fixturenames", ()))
    for mark, fixtures in TIERS.items():
        if used & fixtures:
            item.add_marker(mark)


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
    return [
        json.loads(div.find("script", type="application/json").string)
        for div in page_soup(site, docname).select("div.mgv")
    ]


def executed_notebook(docname: str) -> dict:
    """A chapter as the build executed it: its cells and their outputs."""
    path = EXECUTED / f"{docname}.ipynb"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the book (make html)")
    return json.loads(path.read_text(encoding="utf-8"))


def glued(chapter: str) -> dict[str, str]:
    """What a chapter glued, by name, as the text the page shows."""
    path = EXECUTED / "book" / f"{chapter}.glue.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the book (make html)")
    return {
        name: output["data"]["text/plain"] for name, output in json.loads(path.read_text()).items()
    }


# -- comparing a run's outputs with the book's (test_notebooks.py, test_live.py) --

# Outputs that differ from run to run by nature: measurements of time, and
# of the garbage collector (which runs as memory fills, so its counts move
# with everything else in the process). A cell whose code matches its
# chapter's pattern must still run without error, but its outputs are not
# compared; every other output of every chapter must match the book's.
VARYING = {
    # Chapter 12 measures. Time: it times training steps (`train` returns
    # seconds), profiles them, splits them into parts, counts the
    # collector's runs, and prints the table of it all. Memory: tracemalloc
    # and the count of live objects see everything the process holds (the
    # kernel's history and caches too), so they move by a few bytes or
    # objects from run to run.
    "12-why-slow": re.compile(
        r"\btrain\(|where_the_time_goes|profile|CollectorClock|best_time"
        r"|statistics\.median|tracemalloc|bytes_per_value|objects_left_behind"
    ),
    # Chapter 13 times the scalar engine, the tensor one and PyTorch.
    "13-tensors": re.compile(r"perf_counter|timeit|_seconds\(|statistics\.median"),
}

ADDRESS = re.compile(r"\b0x[0-9a-f]+\b")
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def text_outputs(cell) -> list[str]:
    """A cell's outputs that are text: streams, and results with no richer
    form (a picture's text form is only its repr, `<Figure size ...>`)."""
    texts, stream = [], None
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            # One text per run of a stream, as the build merges them.
            if stream == output.name:
                texts[-1] += output.text
            else:
                texts.append(output.text)
            stream = output.name
            continue
        stream = None
        if output.output_type in ("execute_result", "display_data"):
            if set(output.data) == {"text/plain"}:
                texts.append(output.data["text/plain"])
        elif output.output_type == "error":
            texts.append(f"{output.ename}: {output.evalue}")
    return texts


def same_text(book: str, run: str) -> bool:
    """Equal up to memory addresses, numbers within 1e-9, and the blank
    space at the end (the build merges a cell's streams and drops a final
    empty line)."""
    book, run = (ADDRESS.sub("0x?", text).rstrip() for text in (book, run))
    if NUMBER.sub("#", book) != NUMBER.sub("#", run):
        return False
    return all(
        a == b or math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
        for a, b in zip(NUMBER.findall(book), NUMBER.findall(run), strict=True)
    )


# -- the package, installed from a wheel -----------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from the repository, as a user would install it. It is
    built from a copy of the files git knows (tracked, or new and not
    ignored): built in place, setuptools would reuse the repository's build/
    folder, where files the package no longer has can linger, and two test
    workers would build in it at once."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():  # a file deleted but not yet committed is not
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(source),
        ],
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
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
    )
    return python


@pytest.fixture
def run_installed(installed_python: Path, tmp_path: Path) -> Callable[[str], str]:
    """Runs a script with the installed package and returns what it printed.
    Isolated (-I) and started in an empty folder, the script sees the
    installed package, never the repository."""

    def run(script: str) -> str:
        return subprocess.run(
            [installed_python, "-I", "-c", script],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=True,
        ).stdout

    return run


# -- the built site in a real browser (test_site.py, test_figure*.py, test_live*.py)


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
        browser = launch(playwright)
        yield browser
        browser.close()


def open_page(browser, url: str, local_prefix: str, theme: str = "light", **options):
    """Load `url`; return the page, its console errors and its outside requests.
    `options` go to the new page (for example reduced_motion="reduce")."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=theme, **options)
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


# -- the moving pictures in a browser (test_figure_*.py, test_figures_everywhere.py)

FIGURES_DRAWN = "[...document.querySelectorAll('.mgv')].every(f => f.dataset.mgvReady)"


def open_figures(browser, url: str, local_prefix: str, theme: str = "light", **options):
    """open_page, then wait until every figure on the page is drawn."""
    page, errors, outside = open_page(browser, url, local_prefix, theme, **options)
    page.wait_for_function(FIGURES_DRAWN)
    return page, errors, outside


def figure(page, index: int = 0):
    """The page's figure number `index` (in page order)."""
    return page.locator("div.mgv").nth(index)


def narration(fig) -> str:
    """What a figure says in words (its first narration), in one line."""
    return " ".join(fig.locator(".mgv-narration").first.inner_text().split())


def fmt(x: float, digits: int = 4) -> str:
    """A number as the figures show it: Python's own rounding, and no minus
    sign on a number that shows as zero (test_figures_everywhere.py holds
    the player to it)."""
    text = f"{x:.{digits}f}"
    return text[1:] if re.fullmatch(r"-0\.0*", text) else text


AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core, vendored


def axe_violations(page, selectors: list[str]) -> list:
    """axe-core's violations in the parts of the page that `selectors`
    pick: [rule, impact, how many nodes, the first three nodes and why]."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        "async (selectors) => { const r = await axe.run({include: selectors.map(s => [s])});"
        " return r.violations.map(v => [v.id, v.impact, v.nodes.length,"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)]); }",
        selectors,
    )


# -- small books for the toolchain's tests --------------------------------------


class ToyBook:
    """Small books of a few chapters, written into a temporary folder, for
    testing the toolchain (tangle/) on exactly the case at hand."""

    FRONT_MATTER = textwrap.dedent("""\
        ---
        jupytext:
          text_representation:
            extension: .md
            format_name: myst
        kernelspec:
          display_name: Python 3
          language: python
          name: python3
        ---
        """)
    INIT_CELL = (
        '\n```{code-cell} python\n:tangle: micrograd/__init__.py\n"""A test package."""\n```\n'
    )
    VALUE = textwrap.dedent("""
        class Value:
            def __init__(self, data):
                self.data = data

            def __repr__(self):
                return f"Value({self.data})"
        """)
    ADD = textwrap.dedent("""
        @add_to_class(Value)
        def __add__(self, other):
            return Value(self.data + other.data)
        """)

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def cell(code: str, **options: str) -> str:
        """A code cell, with options such as tangle="micrograd/engine.py"."""
        lines = "".join(f":{key}: {value}\n" for key, value in options.items())
        return f"\n```{{code-cell}} python\n{lines}{textwrap.dedent(code).strip()}\n```\n"

    @classmethod
    def tangled(cls, code: str, **options: str) -> str:
        """A code cell that tangles into micrograd/engine.py."""
        return cls.cell(code, tangle="micrograd/engine.py", **options)

    @classmethod
    def chapter(
        cls, stem: str, title: str, *parts: str, setup: bool = True, apparatus: bool = False
    ) -> str:
        """A chapter's text: its title, its set-up cell, then `parts`. An
        apparatus chapter holds the book's machinery (every snapshot has it)."""
        front = cls.FRONT_MATTER
        if apparatus:  # one more entry, before the closing ---
            front = front.removesuffix("---\n") + "tangle:\n  apparatus: true\n---\n"
        text = front + f"# {title}\n"
        if setup:
            text += cls.cell(f"%run ../tangle/setup_chapter.py {stem}", tags="[remove-cell]")
        return text + "".join(parts)

    def write(self, chapters: dict[str, str]) -> Book:
        """Write the chapters (stem -> text, in reading order) and a _toc.yml."""
        (self.root / "book").mkdir(parents=True, exist_ok=True)
        stems = list(chapters)
        toc = f"format: jb-book\nroot: book/{stems[0]}\nchapters:\n"
        toc += "".join(f"  - file: book/{stem}\n" for stem in stems[1:])
        (self.root / "_toc.yml").write_text(toc)
        for stem, text in chapters.items():
            (self.root / "book" / f"{stem}.md").write_text(text)
        return Book.load(self.root)

    def line_of(self, stem: str, needle: str) -> int:
        """The line of chapter `stem` that holds `needle`."""
        lines = (self.root / "book" / f"{stem}.md").read_text().splitlines()
        return next(i for i, line in enumerate(lines, 1) if needle in line)

    @property
    def site(self) -> Path:
        """Where `build` puts its output (outside the book, as _build is)."""
        return self.root.parent / f"{self.root.name}-site"

    def build(self, chapters: dict[str, str]) -> subprocess.CompletedProcess:
        """Build the chapters (after an intro chapter) into a site with
        Jupyter Book, with the book's own configuration and toolchain, in
        `self.site`."""
        output = self.site
        import shutil

        for folder in ("tangle", "bookbuild", "book/_static", "book/_templates"):
            shutil.copytree(ROOT / folder, self.root / folder, dirs_exist_ok=True)
        # The live pages' runtime, which `make` vendored (bookbuild/live.py).
        vendored = self.root / ".vendor"
        if (ROOT / ".vendor").exists() and not vendored.exists():
            vendored.symlink_to(ROOT / ".vendor")
        for name in ("_config.yml", "setup/requirements.txt", "micrograd/figures/palette.json"):
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, self.root / name)
        self.write(
            {"00-intro": self.chapter("00-intro", "Intro", "\nNo code.\n", setup=False), **chapters}
        )
        return subprocess.run(
            [
                Path(sys.executable).parent / "jupyter-book",
                "build",
                str(self.root),
                "--builder",
                "html",
                "-W",
                "--keep-going",
                "--path-output",
                str(output),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def execute(self, text: str) -> None:
        """Run a chapter's `text` cell by cell as the build's kernel runs it
        (its set-up cell with tangle/ and the palette beside it), with
        nbclient; a failing cell raises nbclient's CellExecutionError."""
        import shutil

        import nbclient
        from myst_nb.core.read import read_myst_markdown_notebook

        shutil.copytree(ROOT / "tangle", self.root / "tangle", dirs_exist_ok=True)
        palette = self.root / "micrograd/figures/palette.json"
        palette.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "micrograd/figures/palette.json", palette)
        notebook = read_myst_markdown_notebook(text)
        nbclient.NotebookClient(
            notebook, timeout=60, resources={"metadata": {"path": str(self.root / "book")}}
        ).execute()

    def error(self, *cells: str, stem: str = "01-a") -> str:
        """The message of the error that tangling one chapter of `cells` raises."""
        book = self.write({stem: self.chapter(stem, "A", self.INIT_CELL, *cells)})
        with pytest.raises(TangleError) as error:
            tangle_book(book)
        return str(error.value)


@pytest.fixture
def toy(tmp_path: Path) -> ToyBook:
    return ToyBook(tmp_path)


@pytest.fixture
def two_chapters(toy: ToyBook) -> Book:
    """A chapter with no code, one with a class, one that adds a method."""
    return toy.write(
        {
            "00-intro": toy.chapter("00-intro", "Intro", "\nNo code here.\n", setup=False),
            "01-value": toy.chapter(
                "01-value", "Value", "\n## The class\n", toy.INIT_CELL, toy.tangled(toy.VALUE)
            ),
            "02-add": toy.chapter("02-add", "Adding", "\n## Plus\n", toy.tangled(toy.ADD)),
        }
    )
