"""What a chapter's kernel runs against: the package before it, and a key."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest


def test_a_chapter_kernel_sees_only_the_chapters_before_it(tmp_path, two_chapters):
    (tmp_path / "tangle").symlink_to(Path(__file__).parents[1] / "tangle")
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from tangle.kernel import setup
        setup(sys.argv[1], Path("."))
        try:
            import micrograd.engine as engine
        except ModuleNotFoundError as error:
            print("missing:", error)
        else:
            print("has __add__:", hasattr(engine.Value, "__add__"), engine.__file__)
    """)

    def run(stem):
        return subprocess.run(
            [sys.executable, "-c", script, stem],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert "no chapter before book/00-intro.md adds code" in run("00-intro")
    assert "no chapter before book/01-value.md adds code" in run("01-value")
    out = run("02-add")
    assert "has __add__: False" in out and "_build/snapshots/01-value/" in out


def test_a_stale_key_stops_the_chapter(tmp_path, two_chapters):
    """The build caches a chapter's outputs under a key for the package it
    runs against; if the package changed after the key was computed, the
    chapter must stop rather than fill the cache under the wrong key."""
    from tangle.kernel import chapter_key
    from tangle.tangler import tangle_book

    (tmp_path / "tangle").symlink_to(Path(__file__).parents[1] / "tangle")
    for name in ("setup/requirements.txt", "micrograd/figures/palette.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n")
    chapter = two_chapters.chapter("02-add")
    key = chapter_key(tmp_path, tangle_book(two_chapters), chapter)
    script = (
        "import sys; from pathlib import Path; from tangle.kernel import setup; "
        "setup(sys.argv[1], Path('.'), sys.argv[2])"
    )

    def run(key: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", script, "02-add", key],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    assert run(key).returncode == 0
    engine = tmp_path / "book/01-value.md"
    engine.write_text(engine.read_text().replace("self.data = data", "self.data = [data]"))
    stale = run(key)
    assert stale.returncode == 1
    assert "book/02-add.md: the package or the set-up changed" in stale.stderr


def test_graph_pdfs_do_not_depend_on_the_time(monkeypatch):
    """The kernel gives Graphviz graphs a PDF form for the printed book, with
    the date pinned, so that two builds give the same PDF."""
    import graphviz

    from tangle.kernel import graph_as_pdf

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    graph = graphviz.Digraph()
    graph.edge("a", "b")
    first = graph_as_pdf(graph)
    time.sleep(1.1)
    assert graph_as_pdf(graph) == first
    assert b"/CreationDate (D:19700101000000" in first


def false_claim(toy):
    """A toy book whose one chapter says a total is five under a cell that
    shows it is four, with the hidden assert that checks the sentence."""
    return {
        "01-a": toy.chapter(
            "01-a",
            "A",
            toy.cell("total = 2 + 2\ntotal"),
            "\nThe total is five.\n",
            toy.cell("# The total is five.\nassert total == 5, 'the total'", tags="[remove-cell]"),
        )
    }


def test_a_false_claim_names_its_chapter_and_line(toy):
    """A sentence about an output is checked by an assert in a hidden cell;
    when the output changes and the assert fails, the error names the line
    of the chapter to look at."""
    import nbclient

    toy.write(false_claim(toy))
    with pytest.raises(nbclient.exceptions.CellExecutionError) as error:
        toy.execute((toy.root / "book/01-a.md").read_text())
    line = toy.line_of("01-a", "assert total == 5")
    assert f"book/01-a.md:{line}: a claim in the text is false" in str(error.value)
    assert "AssertionError" in str(error.value) and "the total" in str(error.value)


def test_every_chapter_kernel_can_use_the_apparatus(tmp_path, toy):
    """The book's machinery (an apparatus chapter's code) is there from the
    first chapter with code on, wherever the apparatus chapter stands."""
    toy.write(
        {
            "01-value": toy.chapter("01-value", "Value", toy.INIT_CELL, toy.tangled(toy.VALUE)),
            "02-add": toy.chapter("02-add", "Adding", toy.tangled(toy.ADD)),
            "90-pictures": toy.chapter(
                "90-pictures",
                "Pictures",
                toy.cell(
                    "def figure(value):\n    return f'<{value.data}>'",
                    tangle="micrograd/figures.py",
                ),
                apparatus=True,
            ),
        }
    )
    (tmp_path / "tangle").symlink_to(Path(__file__).parents[1] / "tangle")
    script = (
        "import sys; from pathlib import Path; from tangle.kernel import setup; "
        "setup(sys.argv[1], Path('.')); "
        "from micrograd.engine import Value; from micrograd.figures import figure; "
        "print(figure(Value(2.0)), hasattr(Value, '__add__'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, "02-add"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["<2.0>", "False"]


@pytest.mark.build
def test_the_build_stops_on_a_false_claim_naming_its_line(toy, tmp_path):
    """End to end: a chapter whose assert fails stops `jupyter-book build`,
    and the build's output names the chapter and the line of the claim."""
    build = toy.build(false_claim(toy))
    line = toy.line_of("01-a", "assert total == 5")
    assert build.returncode != 0
    assert (
        f"book/01-a.md:{line}: a claim in the text is false (the total)"
        in build.stdout + build.stderr
    )
