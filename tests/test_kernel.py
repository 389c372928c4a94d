"""What a chapter's kernel runs against: the package before it, and a key."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path


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
        return subprocess.run([sys.executable, "-c", script, stem], cwd=tmp_path,
                              capture_output=True, text=True, check=True).stdout
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
    for name in ("setup/requirements.txt", "micrograd/static/palette.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n")
    chapter = two_chapters.chapter("02-add")
    key = chapter_key(tmp_path, tangle_book(two_chapters), chapter)
    script = "import sys; from pathlib import Path; from tangle.kernel import setup; " \
             "setup(sys.argv[1], Path('.'), sys.argv[2])"

    def run(key: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script, "02-add", key],
                              cwd=tmp_path, capture_output=True, text=True)

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
