"""The package on disk: snapshots, writing micrograd/, and reporting drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tangle.errors import TangleError
from tangle.package import describe_drift, package_data, write_package, write_snapshots
from tangle.tangler import tangle_book

# -- snapshots ---------------------------------------------------------------


def test_snapshots_hold_the_package_as_each_chapter_leaves_it(tmp_path, two_chapters):
    result = tangle_book(two_chapters)
    stems = [chapter.stem for chapter, _ in result.snapshots]
    assert stems == ["01-value", "02-add"]  # none before the first code
    write_snapshots(result, tmp_path / "snaps")
    after_value = (tmp_path / "snaps/01-value/micrograd/engine.py").read_text()
    assert "__add__" not in after_value
    assert "__add__" in (tmp_path / "snaps/02-add/micrograd/engine.py").read_text()
    before_add = result.snapshot_before(two_chapters.chapter("02-add"))
    assert before_add[0].stem == "01-value"
    assert result.snapshot_before(two_chapters.chapter("01-value")) is None
    assert result.snapshot_before(two_chapters.chapter("00-intro")) is None
    for stem in stems:  # every snapshot imports on its own
        subprocess.run(
            [sys.executable, "-c", "import micrograd.engine"],
            cwd=tmp_path / "snaps" / stem,
            check=True,
        )


def test_snapshots_carry_the_package_data(tmp_path, two_chapters):
    """Hand-written data files of micrograd/ (the figures' JavaScript) are in
    every snapshot, so a chapter's kernel finds them next to the code."""
    package = tmp_path / "repo" / "micrograd"
    (package / "static").mkdir(parents=True)
    (package / "static" / "player.js").write_bytes(b"// drawn by hand\n")
    (package / "engine.py").write_text("# tangled\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "engine.cpython-311.pyc").write_bytes(b"\0")
    data = package_data(tmp_path / "repo")
    assert data == {"micrograd/static/player.js": b"// drawn by hand\n"}
    result = tangle_book(two_chapters)
    write_snapshots(result, tmp_path / "snaps", data)
    for stem in ("01-value", "02-add"):
        copy = tmp_path / "snaps" / stem / "micrograd/static/player.js"
        assert copy.read_bytes() == b"// drawn by hand\n"
    write_snapshots(result, tmp_path / "snaps", {})  # removed from the package
    assert not (tmp_path / "snaps/01-value/micrograd/static/player.js").exists()
    assert (tmp_path / "snaps/01-value/micrograd/engine.py").exists()


# -- micrograd/ on disk ---------------------------------------------------------


def test_check_passes_in_sync_and_names_the_chapter_after_a_hand_edit(tmp_path, two_chapters):
    result = tangle_book(two_chapters)
    write_package(result, tmp_path)
    assert describe_drift(result, tmp_path) == []
    path = tmp_path / "micrograd/engine.py"
    path.write_text(path.read_text().replace("self.data + other.data", "self.data - other.data"))
    problems = describe_drift(result, tmp_path)
    assert len(problems) == 1
    report = problems[0]
    assert "micrograd/engine.py was edited by hand" in report
    assert "book/02-add.md" in report and 'section "Plus"' in report
    assert "-        return Value(self.data + other.data)" in report  # a diff


def test_check_cli_exit_codes(tmp_path, two_chapters):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "tangle", "--root", str(tmp_path), *args],
            cwd=Path(__file__).parents[1],
            capture_output=True,
            text=True,
            check=False,
        )

    assert run("--check").returncode == 1  # nothing written yet: files missing
    assert run().returncode == 0
    assert run("--check").returncode == 0
    path = tmp_path / "micrograd/engine.py"
    path.write_text(path.read_text() + "# a hand edit\n")
    failed = run("--check")
    assert failed.returncode == 1 and "book/02-add.md" in failed.stderr
    refused = run()  # writing would lose the hand edit
    assert refused.returncode == 2 and "edited by hand" in refused.stderr
    assert "# a hand edit" in path.read_text()
    assert run("--force").returncode == 0
    assert run("--check").returncode == 0


def test_stale_files_are_rewritten_and_strays_reported(tmp_path, two_chapters):
    result = tangle_book(two_chapters)
    write_package(result, tmp_path)
    (tmp_path / "micrograd/stray.py").write_text("x = 1\n")
    problems = describe_drift(result, tmp_path)
    assert any("micrograd/stray.py is not produced by any chapter" in p for p in problems)
    with pytest.raises(TangleError, match=r"stray\.py is not produced by any chapter"):
        write_package(result, tmp_path)
