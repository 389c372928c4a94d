"""The package on disk: writing `micrograd/`, checking it, and snapshots.

`micrograd/` is generated and committed. `write_package` refuses to overwrite
a file edited by hand; `describe_drift` says, with a diff and the chapter to
edit, where the files on disk differ from what the chapters make. Snapshots
are the package as it stands after each chapter (`write_snapshots`); every
one carries the package's hand-written data files (`package_data`).
"""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path

from tangle.errors import TangleError
from tangle.model import PACKAGE
from tangle.render import Rendered, edited_by_hand
from tangle.tangler import Result


def on_disk(root: Path) -> dict[str, str]:
    """The package's Python files as they are in the repository."""
    package = root / PACKAGE
    found = {}
    if package.is_dir():
        for path in sorted(package.rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return found


def package_data(root: Path) -> dict[str, bytes]:
    """The package's data files: everything in micrograd/ that is not Python
    (such as micrograd/figures/player/, the figures' JavaScript). They are
    written by hand, not tangled, and every snapshot carries them."""
    package = root / PACKAGE
    found = {}
    if package.is_dir():
        for path in sorted(package.rglob("*")):
            if (
                path.is_file()
                and path.suffix not in (".py", ".pyc")
                and "__pycache__" not in path.parts
            ):
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def describe_drift(result: Result, root: Path) -> list[str]:
    """Human-readable problems where micrograd/ differs from the chapters."""
    problems = []
    actual = on_disk(root)
    for path, rendered in result.files.items():
        if path not in actual:
            problems.append(
                f"{path} is missing: the chapters tangle into it "
                f"({', '.join(rendered.chapters)}). Run `make tangle`."
            )
        elif actual[path] != rendered.text:
            problems.append(_drift_report(path, rendered, actual[path]))
    for path in sorted(set(actual) - set(result.files)):
        problems.append(
            f"{path} is not produced by any chapter. Every .py file in "
            f"{PACKAGE}/ comes from the book: delete it, or tangle its code "
            f"from a chapter."
        )
    return problems


def _drift_report(path: str, rendered: Rendered, actual: str) -> str:
    expected_lines = rendered.text.splitlines(keepends=True)
    actual_lines = actual.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=expected_lines, b=actual_lines, autojunk=False)
    places: list[str] = []
    for tag, i1, _, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        origin = rendered.origin_near(i1 + 1)
        if origin is None:
            described = "the chapters"
        else:
            section = origin.cell.section
            described = f"{origin}" + (f' (section "{section}")' if section else "")
        if described not in places:
            places.append(described)
    hand = edited_by_hand(actual)
    why = "was edited by hand" if hand else "is out of date with the chapters"
    diff = "".join(
        difflib.unified_diff(
            expected_lines,
            actual_lines,
            fromfile=f"{path} (as the chapters make it)",
            tofile=f"{path} (on disk)",
        )
    )
    todo = (
        "Make the change in the chapter instead (the file is generated), "
        "then run `make tangle` to regenerate it (`python -m tangle --force` "
        "discards the hand edits)."
        if hand
        else "Run `make tangle` and commit the result."
    )
    where = "\n".join(f"    {place}" for place in places)
    return f"{path} {why}. The differing code comes from:\n{where}\n{todo}\n{diff}"


def write_package(result: Result, root: Path, force: bool = False) -> list[str]:
    """Write micrograd/ from the chapters; returns the paths it changed.

    Refuses (unless `force`) to overwrite a file edited by hand, so that no
    edit is lost silently; the error names the chapter to edit instead.
    """
    actual = on_disk(root)
    if not force:
        for path, text in actual.items():
            expected = result.files.get(path)
            if (expected is None or text != expected.text) and edited_by_hand(text):
                if expected is None:
                    raise TangleError(
                        f"{path} is not produced by any chapter and was not "
                        f"written by the tangler; move its code into a chapter "
                        f"(or delete it), then run `make tangle` again"
                    )
                raise TangleError(_drift_report(path, expected, text))
    changed = []
    for path, rendered in result.files.items():
        if actual.get(path) != rendered.text:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered.text, encoding="utf-8")
            changed.append(path)
    for path in sorted(set(actual) - set(result.files)):
        (root / path).unlink()
        changed.append(path)
    return changed


def write_snapshots(
    result: Result, directory: Path, data: dict[str, bytes] | None = None
) -> list[Path]:
    """Write the package as it stands after each chapter: DIR/<stem>/micrograd
    (with the package's data files, if given)."""
    return [
        write_tree(directory / chapter.stem, files, data) for chapter, files in result.snapshots
    ]


def write_tree(
    directory: Path, files: dict[str, Rendered], data: dict[str, bytes] | None = None
) -> Path:
    """Make `directory` hold exactly `files` and the data files `data`
    (only touching what changed)."""
    wanted: dict[Path, bytes] = {
        directory / path: rendered.text.encode("utf-8") for path, rendered in files.items()
    }
    wanted.update({directory / path: content for path, content in (data or {}).items()})
    package = directory / PACKAGE
    if package.exists():
        for path in package.rglob("*"):
            if (
                path.is_file()
                and path not in wanted
                and path.suffix != ".pyc"
                and "__pycache__" not in path.parts
            ):
                path.unlink()
    for path, content in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != content:
            temporary = path.with_name(f"{path.name}.tmp{os.getpid()}")
            temporary.write_bytes(content)
            temporary.replace(path)
    return directory


def fingerprint(files: dict[str, Rendered], data: dict[str, bytes] | None = None) -> str:
    """A short hash of a package state: its files and, if given, its data."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].text.encode() + b"\0")
    for path, content in sorted((data or {}).items()):
        digest.update(path.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()[:16]
