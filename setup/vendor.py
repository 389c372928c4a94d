"""Fetch the pinned browser runtime the live pages need, once, at set-up.

    python setup/vendor.py [DESTINATION]      (default: .vendor/)

Each package in VENDORED is fetched with `npm pack` (npm's own client and
registry), checked against its pinned sha256, and unpacked into
DESTINATION/<name>/, keeping only the files the site ships (each under its
own file name: dist/viz.js becomes viz/viz.js). Nothing is
fetched at build time or when a reader opens a page: the build copies
DESTINATION into the site. Run again, it does nothing if the files are
already there and match.

Then it makes, with Node (which comes with npm), a memory snapshot of the
vendored Pyodide just started (setup/pyodide_snapshot.mjs), gzipped, as
DESTINATION/pyodide/memory-snapshot.bin.gz: a reader's first start loads
it instead of starting CPython (bookbuild/live/worker.mjs). The same
Pyodide makes the same bytes, wherever and whenever it is made; a new pin,
or a change to the script or to this file, makes it again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# name: (npm package@version, sha256 of the npm tarball, files kept)
VENDORED = {
    "pyodide": (
        "pyodide@314.0.7",
        "66b7949e5a0cba2250b586d7e368bf12fb482800748d182c4618254b685ffaa0",
        (
            "pyodide.mjs",
            "pyodide.asm.mjs",
            "pyodide.asm.wasm",
            "python_stdlib.zip",
            "pyodide-lock.json",
            "package.json",
            "LICENSE",
        ),
    ),
    # Graphviz compiled to WebAssembly: draws `draw_dot` graphs in live pages
    # (the browser has no `dot` program). One ES module, the wasm inside.
    "viz": (
        "@viz-js/viz@3.31.0",
        "7dc0189874849cca2fed7cbe88bf334cd0e6e012db16657794a812ad6f2b8c70",
        ("dist/viz.js", "package.json"),
    ),
}
# CodeMirror 6, the live pages' code editor (bookbuild/live/editor.mjs):
# the few ES-module packages it is made of, each pinned like the others,
# into one folder, DESTINATION/codemirror/, one file a package, named after
# it (@codemirror/view -> codemirror-view.js), with its LICENSE beside it
# (codemirror-view.LICENSE). The modules import each other by package name
# ("@codemirror/state"), which a browser resolves only through an import
# map in every page before any module loads; instead, each such import is
# rewritten here to the file beside it ("./codemirror-state.js"), so the
# editor loads with one `import()` from any page or worker, and an import
# of a package not pinned here stops the set-up. The code is otherwise
# unchanged (see docs/live-pages.md, "The editor").
# package: (version, sha256 of the npm tarball, its ES module in the tarball)
EDITOR = "codemirror"
EDITOR_MODULES = {
    "@codemirror/state": (
        "6.7.6",
        "91d75acc955ceeaf86af9396c11cda7694fe6222aac8427fa033d89eff5ac839",
        "dist/index.js",
    ),
    "@codemirror/view": (
        "6.44.2",
        "a3e9495b313c5fa659934420c13b70eae75b6379e924eab85eac5ebf118b3f3f",
        "dist/index.js",
    ),
    "@codemirror/language": (
        "6.13.1",
        "e711ec28da046f6c163e777c5466d8ac805ee9ef5f51c511e8729c6789be7f83",
        "dist/index.js",
    ),
    "@codemirror/commands": (
        "6.11.2",
        "0855ce82cd6ee087588705c11bded0d63ee205d23c9cd85167d4c3d1c953cc49",
        "dist/index.js",
    ),
    "@codemirror/streamparser": (
        "6.0.0",
        "b4888c5ab40350e7a1747d765948a8fa45cfd127c479dd4cdef8097046efe14a",
        "dist/index.js",
    ),
    "@lezer/common": (
        "1.5.7",
        "86538f2eddc95599553ee04b6d61eb757a144d35f97a981c945e71ba02befe2f",
        "dist/index.js",
    ),
    "@lezer/highlight": (
        "1.2.5",
        "e349eec1ff4382439c1e6286ae937e0203a8349c5192e2e133863391775ac7ff",
        "dist/index.js",
    ),
    "@lezer/lr": (
        "1.4.13",
        "07b262963f115d8a95569ba1a05d35f54ea712709e3505312b99a19f9d27c3a4",
        "dist/index.js",
    ),
    "@lezer/python": (
        "1.1.19",
        "0e00a32717366099c01b38a19ceb73315cd1dd9b335d98b49fea50ab7c5c2a98",
        "dist/index.js",
    ),
    "style-mod": (
        "4.1.5",
        "c4a44844213a141da55c51a2f81d701acdb9944465328b4a2a6b9626c6d9fc39",
        "src/style-mod.js",
    ),
    "w3c-keyname": (
        "2.2.8",
        "05d21484026d1f2dd842c843181e391e66d60f1d5dff292d562c3f40302dab36",
        "index.js",
    ),
    "crelt": (
        "1.0.7",
        "3542299c0278fdc26aceb2b13d31bffbcb89d7367706bbc457130e3fd103c03e",
        "index.js",
    ),
    "@marijn/find-cluster-break": (
        "1.0.4",
        "5d12b770b64d46632c84fcd18e1d4c09f195ed0f5dbc71f94a41f0af333eaeae",
        "src/index.js",
    ),
}
STAMP = "vendored.json"
# The specifier of an import or export statement of an ES module (one that
# starts a line: `import {a} from "x"`, `export {a} from "x"`, `import "x"`).
SPECIFIER = re.compile(
    r"""^((?:import|export)\b[^"';]*?\bfrom\s*|import\s*)(["'])([^"'\n]+)\2""", re.M
)


class VendorError(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"vendor: {message}")


def npm_pack(spec: str, into: Path) -> Path:
    """The tarball of `spec`, fetched by npm into `into`."""
    if shutil.which("npm") is None:
        raise VendorError(
            "npm is missing; `make` installs it through apt (Debian's `npm` "
            "package), or install Node.js and npm yourself and run make again"
        )
    done = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=into, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise VendorError(f"`npm pack {spec}` failed:\n{done.stderr.strip()}")
    return into / done.stdout.strip().splitlines()[-1]


def unpack(tarball: Path, keep: tuple[str, ...], destination: Path) -> None:
    """Write the kept files of an npm tarball (under package/) to
    destination, and fail if one is missing."""
    with tarfile.open(tarball) as archive:
        members = {m.name.removeprefix("package/"): m for m in archive.getmembers() if m.isfile()}
        absent = [name for name in keep if name not in members and name != "LICENSE"]
        if absent:
            raise VendorError(f"{tarball.name} has no {', '.join(absent)}")
        destination.mkdir(parents=True, exist_ok=True)
        for name in keep:
            if name in members:
                member = archive.extractfile(members[name])
                if member is None:
                    raise VendorError(f"{tarball.name}: {name} is not a file")
                (destination / Path(name).name).write_bytes(member.read())


def checked_pack(spec: str, sha256: str, into: Path) -> Path:
    """The tarball of `spec`, fetched by npm, if its sha256 is the pinned one."""
    tarball = npm_pack(spec, into)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != sha256:
        raise VendorError(
            f"{spec}: the tarball's sha256 is {digest}, but "
            f"setup/vendor.py pins {sha256}; refusing to use it"
        )
    return tarball


def module_file(package: str) -> str:
    """The file an editor package becomes: @codemirror/view -> codemirror-view.js."""
    return package.removeprefix("@").replace("/", "-") + ".js"


def relink(source: str, package: str) -> str:
    """An editor module with its imports of other pinned packages pointed at
    their files beside it; an import of anything else is an error."""

    def local(match: re.Match[str]) -> str:
        lead, quote, name = match.groups()
        if name.startswith("."):
            raise VendorError(f"{package} imports a file of its own ({name}); pin its bundle")
        if name not in EDITOR_MODULES:
            raise VendorError(f"{package} imports {name}, which EDITOR_MODULES does not pin")
        return f"{lead}{quote}./{module_file(name)}{quote}"

    return SPECIFIER.sub(local, source)


def vendor_editor(root: Path, stamp: dict) -> None:
    """CodeMirror's modules into root/codemirror/, relinked (see EDITOR_MODULES)."""
    pins = sorted([f"{name}@{version}", sha] for name, (version, sha, _) in EDITOR_MODULES.items())
    folder = root / EDITOR
    if stamp.get(EDITOR) == pins and all(
        (folder / module_file(name)).exists() for name in EDITOR_MODULES
    ):
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, (version, sha256, module) in EDITOR_MODULES.items():
        with tempfile.TemporaryDirectory() as scratch:
            tarball = checked_pack(f"{name}@{version}", sha256, Path(scratch))
            unpack(tarball, (module, "LICENSE"), Path(scratch) / "files")
            code = (Path(scratch) / "files" / Path(module).name).read_text("utf-8")
            (folder / module_file(name)).write_text(relink(code, name), "utf-8")
            licence = Path(scratch) / "files" / "LICENSE"
            if not licence.exists():
                raise VendorError(f"{name}@{version} ships no LICENSE")
            shutil.copy(licence, folder / module_file(name).replace(".js", ".LICENSE"))
    stamp[EDITOR] = pins
    print(f"vendor: CodeMirror ({len(pins)} packages) -> {folder}")


SNAPSHOT = "memory-snapshot.bin.gz"  # in DESTINATION/pyodide/
SNAPSHOT_SCRIPT = Path(__file__).with_name("pyodide_snapshot.mjs")


def vendor_snapshot(root: Path, stamp: dict) -> None:
    """Python's memory snapshot, made from the vendored Pyodide by Node."""
    # Made again when the pin, the script or this file (how it is made) change.
    recipe = SNAPSHOT_SCRIPT.read_bytes() + Path(__file__).read_bytes()
    key = [VENDORED["pyodide"][0], hashlib.sha256(recipe).hexdigest()]
    target = root / "pyodide" / SNAPSHOT
    if stamp.get("pyodide-snapshot") == key and target.exists():
        return
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise VendorError(
            "node is missing (it makes Python's memory snapshot); `make` installs it "
            "with npm through apt, or install Node.js yourself and run make again"
        )
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "snapshot.bin"
        done = subprocess.run(
            [node, str(SNAPSHOT_SCRIPT), str(root / "pyodide"), str(raw)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not raw.exists():
            raise VendorError(
                f"{SNAPSHOT_SCRIPT.name} could not make Python's memory snapshot:\n"
                f"{(done.stderr or done.stdout).strip()}"
            )
        target.write_bytes(gzip.compress(raw.read_bytes(), compresslevel=9, mtime=0))
    stamp["pyodide-snapshot"] = key
    print(f"vendor: Python's memory snapshot -> {target}")


def vendor(root: Path) -> None:
    stamp_file = root / STAMP
    stamp = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
    for name, (spec, sha256, keep) in VENDORED.items():
        if stamp.get(name) == [spec, sha256] and all(
            (root / name / Path(f).name).exists() for f in keep if f != "LICENSE"
        ):
            continue
        with tempfile.TemporaryDirectory() as scratch:
            tarball = checked_pack(spec, sha256, Path(scratch))
            shutil.rmtree(root / name, ignore_errors=True)
            unpack(tarball, keep, root / name)
        stamp[name] = [spec, sha256]
        stamp_file.write_text(json.dumps(stamp, indent=1) + "\n")
        print(f"vendor: {spec} -> {root / name}")
    vendor_editor(root, stamp)
    vendor_snapshot(root, stamp)
    stamp_file.write_text(json.dumps(stamp, indent=1) + "\n")


if __name__ == "__main__":
    vendor(Path(sys.argv[1] if len(sys.argv) > 1 else ".vendor"))
