"""Fetch the pinned browser runtime the live pages need, once, at set-up.

    python setup/vendor.py [DESTINATION]      (default: .vendor/)

Each package in VENDORED is fetched with `npm pack` (npm's own client and
registry), checked against its pinned sha256, and unpacked into
DESTINATION/<name>/, keeping only the files the site ships (each under its
own file name: dist/viz.js becomes viz/viz.js). Nothing is
fetched at build time or when a reader opens a page: the build copies
DESTINATION into the site. Run again, it does nothing if the files are
already there and match.
"""

from __future__ import annotations

import hashlib
import json
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
STAMP = "vendored.json"


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


def vendor(root: Path) -> None:
    stamp_file = root / STAMP
    stamp = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
    for name, (spec, sha256, keep) in VENDORED.items():
        if stamp.get(name) == [spec, sha256] and all(
            (root / name / Path(f).name).exists() for f in keep if f != "LICENSE"
        ):
            continue
        with tempfile.TemporaryDirectory() as scratch:
            tarball = npm_pack(spec, Path(scratch))
            digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
            if digest != sha256:
                raise VendorError(
                    f"{spec}: the tarball's sha256 is {digest}, but "
                    f"setup/vendor.py pins {sha256}; refusing to use it"
                )
            shutil.rmtree(root / name, ignore_errors=True)
            unpack(tarball, keep, root / name)
        stamp[name] = [spec, sha256]
        stamp_file.write_text(json.dumps(stamp, indent=1) + "\n")
        print(f"vendor: {spec} -> {root / name}")


if __name__ == "__main__":
    vendor(Path(sys.argv[1] if len(sys.argv) > 1 else ".vendor"))
