"""The Sphinx extension's bookkeeping: which chapters must run again."""

from __future__ import annotations

import re

import pytest
from sphinx.errors import ExtensionError

from tangle.kernel import KERNEL_FILES
from tangle.sphinx_ext import Tangled, with_key


def write_kernel_files(root) -> None:
    """What every chapter's key depends on besides the package before it."""
    for name in KERNEL_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}, version 1\n")


def toy_book(toy, chapters: dict):
    """A toy book of `chapters` with the files every key depends on; its
    folder."""
    toy.write(chapters)
    write_kernel_files(toy.root)
    return toy.root


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture
def three_chapters(toy):
    """Code with no package yet, a class, a method added to it, and a
    chapter of prose after them."""
    return toy_book(
        toy,
        {
            "00-intro": toy.chapter("00-intro", "Intro", toy.cell("2 + 2")),
            "01-a": toy.chapter("01-a", "A", toy.INIT_CELL, toy.tangled(toy.VALUE)),
            "02-b": toy.chapter("02-b", "B", toy.tangled(toy.ADD)),
            "03-c": toy.chapter("03-c", "C", "\nProse only.\n", toy.cell("1 + 1")),
        },
    )


def test_a_chapter_reruns_when_the_package_before_it_changes(three_chapters):
    before = Tangled.load(three_chapters)
    # Change the code of chapter 1: chapters 2 and 3 run against it.
    edit(three_chapters / "book/01-a.md", "self.data = data", "self.data = data  # !")
    after = Tangled.load(three_chapters)
    assert after.keys["book/01-a"] == before.keys["book/01-a"]  # its own cells say so
    assert after.keys["book/02-b"] != before.keys["book/02-b"]
    assert after.keys["book/03-c"] != before.keys["book/03-c"]


def test_later_chapters_and_prose_do_not_make_a_chapter_rerun(three_chapters):
    before = Tangled.load(three_chapters)
    edit(three_chapters / "book/02-b.md", "other.data)", "other.data)  # !")
    edit(three_chapters / "book/01-a.md", "# A\n", "# A\n\nA new sentence.\n")
    after = Tangled.load(three_chapters)
    assert after.keys["book/00-intro"] == before.keys["book/00-intro"]
    assert after.keys["book/01-a"] == before.keys["book/01-a"]
    assert after.inputs["book/01-a"] == before.inputs["book/01-a"]
    assert after.keys["book/02-b"] == before.keys["book/02-b"]  # its own edit: its cells


def test_a_chapter_that_reads_the_book_reruns_when_any_cell_moves_into_the_package(toy):
    """The preface draws which chapter writes which file: a tangled cell
    added in a later chapter changes its picture, and so its key."""
    reader = toy.cell("from tangle.book import Book\nBook.load('..')")
    chapters = {
        "00-intro": toy.chapter("00-intro", "Intro", reader),
        "01-a": toy.chapter("01-a", "A", toy.INIT_CELL, toy.tangled(toy.VALUE)),
        "02-b": toy.chapter("02-b", "B", toy.cell("1 + 1")),
    }
    toy_book(toy, chapters)
    before = Tangled.load(toy.root)
    toy.write({**chapters, "02-b": toy.chapter("02-b", "B", toy.tangled(toy.ADD))})
    after = Tangled.load(toy.root)
    assert after.keys["book/00-intro"] != before.keys["book/00-intro"]
    assert after.keys["book/01-a"] == before.keys["book/01-a"]


@pytest.mark.parametrize("name", KERNEL_FILES)
def test_every_chapter_reruns_when_the_kernel_or_the_toolchain_changes(three_chapters, name):
    before = Tangled.load(three_chapters)
    edit(three_chapters / name, "version 1", "version 2")
    after = Tangled.load(three_chapters)
    assert all(after.keys[doc] != key for doc, key in before.keys.items())


# The apparatus as a module, or as a package (as the book's is): a chapter
# names either as micrograd.figures.
@pytest.fixture(params=["micrograd/figures.py", "micrograd/figures/__init__.py"])
def with_figures(toy, request):
    """A class; a chapter that draws it with the apparatus and one that does
    not; the apparatus itself, in an appendix."""
    return toy_book(
        toy,
        {
            "01-a": toy.chapter("01-a", "A", toy.INIT_CELL, toy.tangled(toy.VALUE)),
            "02-b": toy.chapter(
                "02-b", "B", toy.cell("from micrograd.figures import picture\npicture(Value(1.0))")
            ),
            "03-c": toy.chapter("03-c", "C", toy.tangled(toy.ADD)),
            "90-d": toy.chapter(
                "90-d",
                "D",
                toy.cell(
                    "def picture(value):\n    return f'<{value.data}>'",
                    tangle=request.param,
                ),
                apparatus=True,
            ),
        },
    )


def test_the_apparatus_reruns_only_the_chapters_that_use_it(with_figures):
    before = Tangled.load(with_figures)
    edit(with_figures / "book/90-d.md", "return f'<", "return f'<<")
    after = Tangled.load(with_figures)
    assert after.keys["book/02-b"] != before.keys["book/02-b"]
    assert after.keys["book/03-c"] == before.keys["book/03-c"]


def test_package_data_reruns_only_the_chapters_that_use_the_apparatus(with_figures):
    before = Tangled.load(with_figures)
    (with_figures / "micrograd/static").mkdir(parents=True, exist_ok=True)
    (with_figures / "micrograd/static/player.js").write_text("// drawn by hand\n")
    after = Tangled.load(with_figures)
    assert after.keys["book/01-a"] == before.keys["book/01-a"]  # no package yet
    assert after.keys["book/02-b"] != before.keys["book/02-b"]
    assert after.keys["book/03-c"] == before.keys["book/03-c"]


def test_a_caption_change_rereads_the_chapter_that_shows_it(toy):
    mul = toy.ADD.replace("__add__", "__mul__").replace("+", "*")
    toy_book(
        toy,
        {
            "01-a": toy.chapter(
                "01-a", "A", toy.INIT_CELL, toy.tangled(toy.VALUE), toy.tangled(toy.ADD)
            ),
            "02-b": toy.chapter("02-b", "B", toy.tangled(mul)),
        },
    )
    before = Tangled.load(toy.root)
    # Chapter 1 removes __add__: chapter 2's __mul__ now lands "after __repr__".
    path = toy.root / "book/01-a.md"
    text = path.read_text()
    path.write_text(text[: text.rindex("```{code-cell}")])
    assert Tangled.load(toy.root).inputs["book/02-b"] != before.inputs["book/02-b"]


def test_the_key_goes_on_the_set_up_line_and_nowhere_else():
    text = (
        "# A\n\n```{code-cell} python\n:tags: [remove-cell]\n"
        "%run ../tangle/setup_chapter.py 01-a\n```\n\n"
        "Prose that quotes `%run ../tangle/setup_chapter.py 01-a`.\n"
    )
    keyed = with_key(text, "01-a", "0123abcd")
    assert keyed == text.replace(
        "setup_chapter.py 01-a\n```", "setup_chapter.py 01-a 0123abcd\n```"
    )
    assert keyed.count("\n") == text.count("\n")  # every line keeps its number
    with pytest.raises(ExtensionError, match=r"book/02-b\.md has no set-up line"):
        with_key(text, "02-b", "0123abcd")


def test_a_chapter_without_code_has_no_key(toy):
    toy_book(
        toy,
        {
            "00-intro": toy.chapter("00-intro", "Intro", "\nProse only.\n", setup=False),
            "01-a": toy.chapter("01-a", "A", toy.INIT_CELL, toy.tangled(toy.VALUE)),
        },
    )
    assert set(Tangled.load(toy.root).keys) == {"book/01-a"}


@pytest.mark.build
def test_a_chapter_from_the_cache_keeps_its_outputs(toy, tmp_path):
    """After a prose edit the chapter does not run again (its outputs come
    from the execution cache), and the notebook the build writes for it
    still has them."""
    import nbformat

    chapter = toy.chapter("01-a", "A", "\nSome prose.\n", toy.cell("6 * 7"))
    first = toy.build({"01-a": chapter})
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    second = toy.build({"01-a": chapter.replace("Some prose.", "Other prose.")})
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    assert "Using cached notebook" in second.stdout + second.stderr
    executed = nbformat.read(toy.site / "_build/jupyter_execute/book/01-a.ipynb", as_version=4)
    outputs = [output for cell in executed.cells for output in cell.get("outputs", [])]
    assert any(output.get("data", {}).get("text/plain") == "42" for output in outputs)


@pytest.mark.build
def test_chapters_run_two_at_a_time_before_sphinx_reads_them(toy):
    """A fresh build runs the chapters the cache lacks as it starts, two at
    a time (tangle/execute.py); myst-nb then finds each of them in the
    cache, so the notebooks run are the ones myst-nb reads and hashes, and
    it runs none of them again. A chapter that times its code runs alone,
    before the others."""
    timed = toy.chapter("03-c", "C", toy.cell("8 * 9")).replace(
        "---\n# C", "tangle:\n  timed: true\n---\n# C"
    )
    build = toy.build(
        {
            "01-a": toy.chapter("01-a", "A", toy.cell("6 * 7")),
            "02-b": toy.chapter("02-b", "B", toy.cell("7 * 8")),
            "03-c": timed,
        }
    )
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-3000:]
    assert "tangle: running 3 chapters, 2 at a time" in log
    ran = re.findall(r"tangle: ran book/([\w-]+)\.md in [\d.]+ s( \(alone)?", log)
    assert ran[0] == ("03-c", " (alone") and sorted(ran[1:]) == [("01-a", ""), ("02-b", "")]
    for stem in ("01-a", "02-b", "03-c"):
        assert f"{stem}.md: Using cached notebook" in log
        assert f"{stem}.md: Executing notebook" not in log
