"""Every chapter as a notebook a reader downloads from the site and runs
anywhere (bookbuild/notebooks.py, markdown.py, snapshots.py), and the links
that lead to it.

The build has already run every chapter's code, so these tests prove what
is the notebook's own: it holds every cell the page shows and nothing the
page hides; it carries the build's outputs; and its set-up cell, run in a
fresh virtual environment with only Python and ipykernel, in an empty folder
outside the repository, installs what the chapter imports and unpacks the
package exactly as the chapters before it left it (the zip the live page
unpacks too). That no shown cell needs a name only a hidden cell defines is
checked on the chapters' code; that the shown cells run without the hidden
ones, the live pages' tests show in a browser (tests/test_live.py).
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from bookbuild.cell_names import SCOPES
from bookbuild.markdown import Converter, Glued
from bookbuild.notebooks import CODE_ID, setup_source
from bookbuild.snapshots import requirements, snapshot_zip
from conftest import CODE_CHAPTERS, EXECUTED, ROOT, page_soup
from tangle.book import parse_markdown

VIDEO = "https://www.youtube.com/watch?v=VMj-3S1tku0"
KARPATHY = "https://github.com/karpathy/micrograd"
PIP_LINE = re.compile(r"^%pip install --quiet (.+)$", re.M)
SETUP = 2  # the set-up cell: after the chapter's title and a note on it


def repository() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["sphinx"]["config"]["html_theme_options"]["repository_url"]


def notebook_chapters(book):
    """Every chapter but the preface has a notebook."""
    return book.chapters[1:]


def site_notebook(site: Path, chapter):
    path = site / "notebooks" / f"{chapter.stem}.ipynb"
    if not path.exists():
        pytest.fail(f"{chapter.path} has no notebook at {path}: run `make book`")
    return nbformat.read(path, as_version=4)


# -- the links ---------------------------------------------------------------


def test_the_repository_is_named_once_and_agrees(root):
    url = repository()
    assert url.startswith("https://github.com/")
    assert url in (root / "README.md").read_text(encoding="utf-8")
    assert f'Source = "{url}"' in (root / "pyproject.toml").read_text(encoding="utf-8")


def test_every_chapter_page_links_its_notebook_the_pdf_and_the_repository(built_site, book):
    url = repository()
    for chapter in notebook_chapters(book):
        soup = page_soup(built_site, chapter.docname)
        page = (built_site / chapter.docname).parent
        header = soup.select_one(".bd-header-article nav.book-links")
        assert header is not None, chapter.path
        menu = soup.select_one("nav.pdf-download")
        for links in (header, menu):
            hrefs = [a["href"] for a in links.select("a")]
            notebook = [h for h in hrefs if h.endswith(".ipynb")]
            assert len(notebook) == 1, (chapter.path, hrefs)
            assert (page / notebook[0]).resolve() == (
                built_site / "notebooks" / f"{chapter.stem}.ipynb"
            ).resolve()
            assert any(
                (page / h).resolve() == (built_site / "micrograd-book.pdf").resolve()
                for h in hrefs
                if h.endswith(".pdf")
            ), chapter.path
            assert url in hrefs, chapter.path
        link = menu.select_one("a.notebook-download-link")
        assert link.get_text(" ", strip=True) == "Download notebook (.ipynb)"
        assert link["download"] == f"{chapter.stem}.ipynb"


def test_the_preface_links_the_lecture_and_the_repositories(built_site, book):
    soup = page_soup(built_site, book.chapters[0].docname)
    hrefs = {a["href"] for a in soup.select("article a")}
    assert any(h.startswith(VIDEO) for h in hrefs), hrefs
    assert KARPATHY in hrefs and repository() in hrefs
    # Every chapter that follows the lecture says where in it.
    text = soup.select_one("article").get_text(" ")
    for number in range(1, 12):
        assert re.search(rf"\b{number}\b", text)
    # (Times as youtu.be links: an `&` in a MyST link is escaped twice.)
    stamps = [h for h in hrefs if re.fullmatch(r"https://youtu\.be/VMj-3S1tku0\?t=\d+", h)]
    assert len(stamps) >= 10, stamps


# -- the notebooks as files ----------------------------------------------------


def test_each_notebook_is_whole_and_hides_nothing(built_site, book):
    for chapter in notebook_chapters(book):
        notebook = site_notebook(built_site, chapter)
        nbformat.validate(notebook)
        title, note, setup = notebook.cells[: SETUP + 1]
        assert title.source == f"# {chapter.title}", chapter.path
        assert note.cell_type == "markdown" and "Run the next cell first" in note.source
        assert setup.cell_type == "code" and setup.source.startswith("# Set-up")
        for cell in notebook.cells:
            tags = cell.metadata.get("tags", [])
            assert not set(tags) & {"remove-cell", "remove-input", "hide-input"}, chapter.path
            if cell.cell_type == "code":
                assert "%run" not in cell.source, chapter.path
                assert not re.search(r"\b(tangle|glue)\b", cell.source), chapter.path
            else:
                # No MyST left for a plain Jupyter to show raw.
                assert not re.search(r"\{[\w:-]+\}`|^[`:]{3,}\{", cell.source, re.M), (
                    chapter.path,
                    cell.source[:200],
                )
                assert "{{" not in cell.source, chapter.path
        shown = [
            c.source.strip()
            for c in chapter.cells
            if not {"remove-cell", "remove-input"} & set(c.tags)
        ]
        kept = [c.source.strip() for c in notebook.cells[SETUP + 1 :] if c.cell_type == "code"]
        assert kept == shown, chapter.path
        # Each is found by its id, "code-N" for the chapter's code cell N:
        # a live page's "Download with your edits" puts the reader's code in
        # by it (bookbuild/live/edits.js).
        by_id = {c.id: c.source for c in notebook.cells if c.id.startswith(CODE_ID)}
        assert by_id == {
            f"{CODE_ID}{place}": c.source
            for place, c in enumerate(chapter.cells)
            if not {"remove-cell", "remove-input"} & set(c.tags)
        }, chapter.path


def test_the_set_up_cell_installs_what_the_chapter_imports(built_site, book):
    installs = {}
    for chapter in notebook_chapters(book):
        setup = site_notebook(built_site, chapter).cells[SETUP].source
        match = PIP_LINE.search(setup)
        installs[chapter.stem] = match[1].split() if match else []
        # The package is there after the first chapter that adds to it, 2.
        assert ("use_package(" in setup) == (chapter.stem not in ("01-derivatives", "02-value")), (
            chapter.path
        )
    assert installs["01-derivatives"] == ["matplotlib"]
    assert "torch" in installs["07-pytorch"]
    # PyTorch (a large download) only where the chapter's own code uses it:
    # the PyTorch chapter, and the tensor chapter's comparison with it.
    assert [stem for stem, names in installs.items() if "torch" in names] == [
        "07-pytorch",
        "13-tensors",
    ]
    assert "numpy" in installs["13-tensors"]
    # ... and the note above the cell says how large it is, only there.
    for chapter in notebook_chapters(book):
        note = site_notebook(built_site, chapter).cells[SETUP - 1].source
        assert ("PyTorch is a large download" in note) == ("torch" in installs[chapter.stem]), (
            chapter.path
        )


def test_no_visible_cell_needs_code_the_page_hides(book):
    """A reader who copies the shown cells of a chapter, in order, gets code
    that runs: no shown cell uses a name that only a hidden cell, or the
    hidden set-up, defines."""
    problems = []
    for chapter in book.chapters:
        hidden = {"add_to_class": "the hidden set-up", "glue": "the hidden set-up"}
        shown: set[str] = set()
        for cell in chapter.cells[1:]:
            defined, used = names_in(cell.source)
            if "remove-cell" in cell.tags:
                # What a hidden cell binds (or deletes) is hidden from then on.
                hidden.update(dict.fromkeys(defined, cell.where))
                shown -= defined
                continue
            for name in sorted(used & set(hidden) - shown):
                problems.append(f"{cell.where} uses {name}, defined in {hidden[name]}")
            shown |= defined
    assert problems == []


def names_in(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds or deletes at the top level, names it reads that
    it does not bind itself anywhere), magics left out."""
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    tree = ast.parse(code)
    top, bound, used = set(), set(), set()

    def visit(node, at_top: bool) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                used.add(node.id)
            else:  # (`del x` changes what x is, too)
                bound.add(node.id)
                if at_top:
                    top.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {(a.asname or a.name).split(".")[0] for a in node.names}
            bound.update(names)
            if at_top:
                top.update(names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            if at_top:
                top.add(node.name)
        for child in ast.iter_child_nodes(node):
            visit(child, at_top and not isinstance(node, SCOPES))

    visit(tree, True)
    return top, used - bound


# -- the converter and the set-up, on small cases ------------------------------


def convert(*sources: str, glue=None, number="5"):
    warnings = []
    converter = Converter(
        glue or {},
        number,
        {"repository": "[r](https://r)"},
        warnings.append,
        lambda text, spec: format(float(text), spec),
        "book/05-x.md",
    )
    cells = [converter.markdown(parse_markdown(source, "book/05-x.md")) for source in sources]
    return cells, warnings, converter


def test_myst_becomes_plain_markdown():
    (cells,), warnings, _ = convert(
        "(a-target)=\n## Gradients\n\nThe slope is {glue:text}`slope:.2f`, see "
        "{{ repository }}.\n\n:::{admonition} In this chapter\n:class: tip\n- one\n"
        "- two\n:::\n\n```{admonition} Why?\n:class: note dropdown\nBecause "
        "$x^2$.\n```\n\n`data`\n: the number itself,\n  on two lines.\n\n"
        "```{only} html\nOnly on the site.\n```\n\n```{tabularcolumns} \\X{1}{2}\\X{1}{2}\n```"
        "\n\n```python\n:not: an option\n```",
        glue={"slope": "13.999"},
    )
    assert warnings == []
    assert cells == [
        "## Gradients\n\nThe slope is 14.00, see [r](https://r).\n\n"
        "> **In this chapter**\n>\n> - one\n> - two\n\n"
        "<details>\n<summary><b>Why?</b></summary>\n\nBecause $x^2$.\n\n</details>\n\n"
        "- `data`: the number itself,\n  on two lines.\n\n"
        "```python\n:not: an option\n```"
    ]


def test_a_number_glued_by_another_chapter_is_found_in_its_file(tmp_path):
    """`{glue:text}`11-moons.md::key`` pastes a number the moons chapter glued
    (myst-nb's syntax); the reader's notebook gets it from the glue file the
    build saved beside that chapter."""
    book = tmp_path / "book"
    book.mkdir()
    for stem, key, value in (("11-moons", "seconds", "121.3"), ("12-why-slow", "step", "1.2")):
        (book / f"{stem}.glue.json").write_text(
            json.dumps({key: {"data": {"text/plain": value}}}), encoding="utf-8"
        )
    glued = Glued(tmp_path, "book/12-why-slow")
    (cells,), warnings, _ = convert(
        "Took {glue:text}`11-moons.md::seconds:.0f` s, {glue:text}`step:.1f` each.", glue=glued
    )
    assert warnings == [] and cells == ["Took 121 s, 1.2 each."]
    assert "11-moons.md::nothing" not in glued and "13-tensors.md::step" not in glued


def test_exercises_are_numbered_and_solutions_fold():
    cells, warnings, converter = convert(
        "## Exercises\n\n````{exercise-start}\n:label: ex-a\n````\n\nTry it.\n\n"
        "````{exercise-end}\n````\n\n````{solution-start} ex-a\n:class: dropdown\n"
        "````\n\nLike this:",
        "````{solution-end}\n````\n\n````{exercise-start}\n:label: ex-b\n````\n\nMore.",
    )
    assert warnings == []
    assert cells[0] == [
        "## Exercises\n\n### Exercise 5.1\n\nTry it.",
        "<details>\n<summary><b>Solution to Exercise 5.1</b></summary>\n\nLike this:\n\n</details>",
    ]
    assert cells[1] == ["### Exercise 5.2\n\nMore."]
    assert converter.solution is None


def test_what_the_converter_cannot_show_is_an_error():
    _, warnings, _ = convert(
        "{ref}`somewhere` and {glue:text}`missing`\n\n```{figure} x.png\nA figure.\n```"
    )
    assert len(warnings) == 3
    assert "{ref}" in warnings[0] and "'missing'" in warnings[1] and "{figure}" in warnings[2]
    places = [warning.split(": ")[0] for warning in warnings]
    assert places == ["book/05-x.md:1", "book/05-x.md:1", "book/05-x.md:3"]


def test_requirements_follow_the_imports_into_the_package():
    package = {
        "micrograd/__init__.py": b"",
        "micrograd/viz.py": b"def draw():\n    from graphviz import Digraph\n",
        "micrograd/tensor.py": b"import numpy as np\nfrom micrograd import viz\n",
    }
    assert requirements(["import math\nfrom micrograd.viz import draw"], package) == ["graphviz"]
    assert requirements(["%matplotlib inline\nimport micrograd.tensor"], package) == [
        "graphviz",
        "numpy",
    ]
    assert requirements(["import random, IPython.display"], package) == []
    with pytest.raises(ValueError, match=r"'pandas'.*PIP_NAMES"):
        requirements(["import pandas"], package)


def test_the_set_up_cell_brings_exactly_its_package(tmp_path):
    files = {
        "micrograd/__init__.py": b"WHERE = 'snapshot'\n",
        "micrograd/static/palette.json": b"{}",
    }
    archive = snapshot_zip(files)
    assert snapshot_zip(dict(reversed(files.items()))) == archive  # reproducible
    source = setup_source([], "micrograd-book/after-02-value", archive)
    assert "%pip" not in source
    (tmp_path / "micrograd").mkdir()  # another micrograd, in the way
    (tmp_path / "micrograd" / "__init__.py").write_text("WHERE = 'elsewhere'\n")
    script = source + (
        "import micrograd, pathlib\nprint(micrograd.WHERE)\n"
        "print(pathlib.Path(micrograd.__file__).parent.parent.name)\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-E",
            "-s",
            "-c",
            "import micrograd\nassert micrograd.WHERE == 'elsewhere'\n" + script,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["snapshot", "after-02-value"]
    assert (tmp_path / "micrograd-book/after-02-value/micrograd/static/palette.json").exists()
    assert "%pip install --quiet graphviz numpy" in setup_source(["graphviz", "numpy"], None, None)


# -- the outputs: the build's -------------------------------------------------------


def test_each_notebook_carries_the_builds_outputs(built_site, book):
    """Every output the build gave a shown cell is in the notebook: the same
    text, the same pictures (less the PDF forms made for print), with no
    execution counts, since not every cell before it is in the notebook."""
    for chapter in notebook_chapters(book):
        notebook = site_notebook(built_site, chapter)
        executed = nbformat.read(EXECUTED / f"{chapter.docname}.ipynb", as_version=4)
        ran = iter(c for c in executed.cells if c.cell_type == "code")
        compared = 0
        for cell in notebook.cells[SETUP + 1 :]:
            if cell.cell_type != "code":
                continue
            build = next(c for c in ran if c.source == cell.source)
            if "remove-output" in build.metadata.get("tags", []):
                assert cell.outputs == [], chapter.path
                continue
            expected = [
                o for o in build.outputs if set(o.get("data", {"": 0})) != {"application/pdf"}
            ]
            assert len(cell.outputs) == len(expected), (chapter.path, cell.source[:80])
            for mine, theirs in zip(cell.outputs, expected, strict=True):
                assert mine.output_type == theirs.output_type
                assert mine.get("text") == theirs.get("text")
                assert mine.get("execution_count") is None
                data = {k: v for k, v in theirs.get("data", {}).items() if k != "application/pdf"}
                assert mine.get("data", {}) == data, (chapter.path, cell.source[:80])
                compared += 1
        assert compared > 0, chapter.path


# -- the set-up cell, run as a reader runs it ----------------------------------------

# What a reader's Python has after the set-up cell: whether each import
# statement of the chapter's cells works, and the package it finds (every
# file's sha256).
PROBE = """
import hashlib, json, pathlib
found = {"failed": []}
for statement in %r:
    try:
        exec(statement, {})
    except Exception as error:
        found["failed"].append(f"{statement}: {type(error).__name__}: {error}")
try:
    import micrograd
except ModuleNotFoundError:
    found["package"] = found["folder"] = None
else:
    top = pathlib.Path(micrograd.__file__).parent
    found["folder"] = str(top.parent)
    found["package"] = {
        str(path.relative_to(top.parent)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(top.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}
pathlib.Path(%r).write_text(json.dumps(found))
"""

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
source, target, cwd = sys.argv[1:4]
notebook = nbformat.read(source, as_version=4)
NotebookClient(notebook, timeout=1200, kernel_name='micrograd-reader',
               resources={'metadata': {'path': cwd}}).execute()
nbformat.write(notebook, target)
"""


def reader_env() -> dict[str, str]:
    """The environment of a reader's kernel: nothing points into the
    repository, and pip resolves exactly the book's pinned versions."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))
    }
    env["PIP_CONSTRAINT"] = str(ROOT / "setup" / "requirements.txt")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def import_statements(source: str) -> set[str]:
    """Every import statement of a cell, anywhere in it (functions too), as
    a line of code. Lines of IPython magics (`%...`, `!...`) are skipped."""
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    return {
        ast.unparse(node)
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0)
    }


def make_reader_env(folder: Path) -> dict[str, str]:
    """A fresh virtual environment with nothing but ipykernel, and a kernel
    that runs in it; returns the environment to run notebooks in."""
    venv.EnvBuilder(with_pip=True, clear=True).create(folder / "venv")
    python = folder / "venv" / "bin" / "python"
    env = reader_env()
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "ipykernel"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    spec = folder / "jupyter" / "kernels" / "micrograd-reader"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "A reader's Python",
                "language": "python",
            }
        )
    )
    env["JUPYTER_PATH"] = str(folder / "jupyter")
    return env


class ReaderSetUps:
    """Each notebook's set-up cell, then the probe, run by a reader:
    `get(stem)` gives what the probe found, or the log of a run that failed.
    Chapters that install the same packages share one fresh environment, one
    after the other (the first installs into it, as a reader's %pip would;
    the others find it done); each environment is made and used when the
    first of its chapters is asked for."""

    def __init__(self, site: Path, book, base: Path) -> None:
        self.site, self.base = site, base
        self.notebooks = {
            chapter.stem: site_notebook(site, chapter) for chapter in notebook_chapters(book)
        }
        self.groups: dict[tuple[str, ...], list[str]] = {}
        for stem, notebook in self.notebooks.items():
            match = PIP_LINE.search(notebook.cells[SETUP].source)
            self.groups.setdefault(tuple(match[1].split()) if match else (), []).append(stem)
        self.found: dict[str, dict | str] = {}

    def get(self, stem: str) -> dict | str:
        if stem not in self.found:
            stems = next(stems for stems in self.groups.values() if stem in stems)
            env = make_reader_env(self.base / f"env-{stems[0]}")
            self.found.update({other: self.run(other, env) for other in stems})
        return self.found[stem]

    def run(self, stem: str, env: dict[str, str]) -> dict | str:
        home = self.base / f"reader-{stem}"  # an empty folder outside the repository
        home.mkdir()
        notebook = self.notebooks[stem]
        statements = sorted(
            set().union(
                *(
                    import_statements(c.source)
                    for c in notebook.cells[SETUP + 1 :]
                    if c.cell_type == "code"
                )
            )
        )
        probe = nbformat.v4.new_code_cell(PROBE % (statements, str(home / "probe.json")))
        ran = nbformat.v4.new_notebook(cells=[notebook.cells[SETUP], probe])
        nbformat.write(ran, home / "set-up.ipynb")
        result = subprocess.run(
            [sys.executable, "-c", RUNNER, "set-up.ipynb", "ran.ipynb", str(home)],
            cwd=home,
            env={**env, "PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            return result.stdout + result.stderr
        # A file, not printed output: the kernel may split a print across
        # several stream outputs.
        found = json.loads((home / "probe.json").read_text())
        return {**found, "home": str(home)}


@pytest.fixture(scope="session")
def reader_set_ups(built_site, book, tmp_path_factory):
    return ReaderSetUps(built_site, book, tmp_path_factory.mktemp("readers"))


def live_zip_files(site: Path, stem: str) -> dict[str, str] | None:
    """The package the live page unpacks for a chapter (sha256 of each file),
    or None where the chapters before it made none."""
    path = site / "_static" / "live" / f"{stem}.zip"
    if not path.exists():
        return None
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        return {
            name: hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
            if not name.endswith("/")
        }


@pytest.mark.parametrize("stem", CODE_CHAPTERS)
def test_the_set_up_cell_gives_a_fresh_python_all_the_chapter_imports(
    reader_set_ups, built_site, stem
):
    found = reader_set_ups.get(stem)
    assert not isinstance(found, str), f"{stem}: the set-up cell failed:\n{found[-3000:]}"
    assert found["failed"] == []
    assert found["package"] == live_zip_files(built_site, stem)
    if found["package"] is not None:
        # Unpacked next to the notebook, not found anywhere else.
        assert Path(found["folder"]).is_relative_to(found["home"]), found["folder"]


def test_every_chapter_but_the_preface_is_tested_as_a_notebook_and_a_live_page(book):
    """CODE_CHAPTERS parametrises the set-up test above and the live pages'
    tests: it must be the book's chapters."""
    assert CODE_CHAPTERS == [chapter.stem for chapter in notebook_chapters(book)]
