"""A chapter's package, as the chapters before it left it, for the reader:
the snapshot's files as one reproducible zip, what pip must install for a
chapter's code to run against it, and the few lines of Python that unpack it
and make `import micrograd` find it (the notebooks' set-up cell runs them,
and so does a live page's Python).
"""

from __future__ import annotations

import ast
import base64
import io
import sys
import zipfile
from collections.abc import Mapping
from typing import Any

# What `import X` needs from pip, for the modules a chapter may import that
# are not in the standard library. A new one is a build error until it is
# added here (with the name pip knows it by).
PIP_NAMES = {
    "graphviz": "graphviz",
    "matplotlib": "matplotlib",
    "numpy": "numpy",
    "torch": "torch",
}
# These come with every Jupyter kernel.
WITH_JUPYTER = {"IPython", "ipykernel", "matplotlib_inline", "micrograd"}

# A fixed date for the files in the embedded zip: two builds, one notebook.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

Files = dict[str, bytes]  # path in the package ("micrograd/engine.py") -> bytes


def snapshot_zip(files: Files) -> bytes:
    """The package files as a zip, the same bytes for the same files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def snapshot_files(files: Mapping[str, Any], data: Files) -> Files:
    """A snapshot's files (path -> rendered file, from
    `tangle.tangler.Result.snapshot_before`) as bytes, with the package
    `data`: what the notebooks and the live pages unpack."""
    package = {path: rendered.text.encode("utf-8") for path, rendered in files.items()}
    package.update(data)
    return package


def imported_modules(source: str) -> set[str]:
    """Every module `source` imports, anywhere (functions too), by full name.
    Lines of IPython magics (`%...`, `!...`) are skipped."""
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    found: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            # `from micrograd import viz` imports micrograd.viz
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def requirements(sources: list[str], package: Files) -> list[str]:
    """What pip must install for code `sources` to run against `package`:
    the third-party modules they import, and those that the package modules
    they import import in turn. Raises ValueError for a module it cannot
    name for pip."""
    wanted: set[str] = set()
    seen: set[str] = set()
    todo = [module for source in sources for module in imported_modules(source)]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        top = module.split(".")[0]
        if top == "micrograd":
            parts = module.split(".")
            for path in ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py"):
                if path in package:
                    todo.extend(imported_modules(package[path].decode("utf-8")))
            if len(parts) > 1:
                todo.append("micrograd")
        elif top in sys.stdlib_module_names or top in WITH_JUPYTER:
            continue
        elif top in PIP_NAMES:
            wanted.add(PIP_NAMES[top])
        else:
            raise ValueError(
                f"the code imports {top!r}, which is not in the standard "
                f"library; add it to PIP_NAMES in bookbuild/snapshots.py with "
                f"the name pip installs it by"
            )
    return sorted(wanted)


def package_source(folder: str, archive: bytes) -> str:
    """Python that makes `import micrograd` find the package in `archive` (a
    zip, see `snapshot_zip`), unpacked into `folder`, and nothing else. It
    needs only the standard library, so any Python runs it: the notebooks'
    set-up cell, and a browser's (Pyodide) as well."""
    blob = base64.b64encode(archive).decode("ascii")
    return (
        "\n".join(
            [
                "import base64, io, pathlib, sys, zipfile",
                "",
                "",
                "def use_package(folder, blob):",
                '    """Unpack the package (a zip, in base64) into `folder`; import it',
                '    from there, and not from anywhere else."""',
                "    zipfile.ZipFile(io.BytesIO(base64.b64decode(blob))).extractall(folder)",
                "    sys.path.insert(0, str(pathlib.Path(folder).resolve()))",
                "    for name in [n for n in sys.modules if n.split('.')[0] == 'micrograd']:",
                "        del sys.modules[name]",
                "",
                "",
                "# The package micrograd as the chapters before this one left it.",
                f"use_package({folder!r}, '{blob}')",
            ]
        )
        + "\n"
    )
