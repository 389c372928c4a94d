"""The package: it matches the chapters, needs nothing but Python, every
snapshot imports, and a wheel built from the repository installs and works
with nothing else."""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

from micrograd.figures import PLAYER_PARTS, player_script
from tangle.package import describe_drift, package_data, write_snapshots
from tangle.tangler import Result


def test_micrograd_matches_the_chapters(tangled: Result, root: Path):
    problems = describe_drift(tangled, root)
    assert problems == [], "\n".join(problems)


def test_package_imports_only_the_standard_library(root: Path):
    allowed = set(sys.stdlib_module_names) | {"micrograd"}
    for path in sorted((root / "micrograd").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                # viz.py and figures/ import the viz extra (graphviz for
                # the drawings, matplotlib for the figures' stills) lazily,
                # inside the functions that need it, never at the top
                if (
                    path.relative_to(root).as_posix()
                    in ("micrograd/viz.py", "micrograd/figures/__init__.py")
                    and top in ("graphviz", "matplotlib")
                    and id(node) not in top_level
                ):
                    continue
                # tensor.py is the optional module for arrays: the extra
                # `tensor` installs NumPy (nothing else imports tensor.py)
                if path.name == "tensor.py" and top == "numpy":
                    continue
                assert top in allowed, f"{path.name} imports {name}"


def test_the_package_imports_without_numpy(root: Path):
    script = (
        "import sys\n"
        "sys.modules['numpy'] = None  # any import of numpy now fails\n"
        "import micrograd, micrograd.engine, micrograd.nn, micrograd.data\n"
        "import micrograd.gradcheck, micrograd.viz, micrograd.figures\n"
        "try:\n"
        "    import micrograd.tensor\n"
        "except ImportError:\n"
        "    print('tensor needs numpy')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "tensor needs numpy"


def test_every_snapshot_imports_on_its_own(tangled: Result, tmp_path: Path, root: Path):
    # With the package data, as every snapshot has it (viz reads its colours).
    written = write_snapshots(tangled, tmp_path, package_data(root))
    assert written, "no chapter tangles any code"
    for directory in written:
        modules = sorted(
            "micrograd."
            + p.relative_to(directory / "micrograd").with_suffix("").as_posix().replace("/", ".")
            for p in (directory / "micrograd").rglob("*.py")
            if p.name != "__init__.py"
        )
        script = (
            "import importlib, sys\n"
            f"sys.path.insert(0, {str(directory)!r})\n"
            "import micrograd\n"
            f"assert micrograd.__file__.startswith({str(directory)!r}), micrograd.__file__\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
        )
        subprocess.run([sys.executable, "-I", "-c", script], check=True)


def test_snapshots_grow_chapter_by_chapter(tangled: Result):
    """A later snapshot never loses a file an earlier one had."""
    previous: set[str] = set()
    for chapter, files in tangled.snapshots:
        assert previous <= set(files), chapter.path
        previous = set(files)


def test_wheel_holds_the_package_and_nothing_else(wheel, root):
    names = zipfile.ZipFile(wheel).namelist()
    code = sorted(n for n in names if not n.startswith("micrograd_book-"))
    expected = sorted(p.relative_to(root).as_posix() for p in (root / "micrograd").rglob("*.py"))
    # ... plus the package data: the figures' colours, JavaScript and style,
    # and nothing else.
    data = sorted(package_data(root))
    player = [f"micrograd/figures/player/{name}.js" for name in PLAYER_PARTS]
    assert data == sorted(
        ["micrograd/figures/palette.json", "micrograd/figures/player/player.css", *player]
    )
    assert code == sorted(expected + data)
    metadata = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("/METADATA"))).decode()
    )
    assert "Name: micrograd-book" in metadata
    assert "Requires-Python: >=3.10" in metadata
    assert "License-Expression: MIT" in metadata
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    runtime = [
        line
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert runtime == [], "the package must have no runtime dependencies"


def test_wheel_installs_and_works_in_a_clean_venv(run_installed):
    script = (
        "import micrograd, micrograd.engine, micrograd.viz\n"
        "from micrograd.engine import Value\n"
        "print(micrograd.__version__)\n"
        "a, b = Value(2.0), Value(-3.0)\n"
        "assert (a * b + a).data == -4.0\n"
        "try:\n"
        "    micrograd.viz.draw_dot(a)\n"
        "except ImportError as error:\n"
        "    assert 'pip install' in str(error), error\n"
        "else:\n"
        "    raise SystemExit('graphviz should not be installed here')\n"
    )
    assert run_installed(script).strip() == __import__("micrograd").__version__


def test_an_operation_written_the_lectures_way_works_on_the_installed_package(run_installed):
    """A learner following the lecture in their own notebook adds sigmoid to
    the installed package's Value the lecture's way (`out._backward =
    _backward`, outside the class): its gradients, in a graph that mixes it
    with the engine's own operations, match finite differences."""
    script = (
        "import json, math\n"
        "from micrograd.engine import Value\n"
        "from micrograd.gradcheck import numerical_gradient\n"
        "def sigmoid(self):\n"
        "    s = 1 / (1 + math.exp(-self.data))\n"
        "    out = Value(s, (self,), 'sigmoid')\n"
        "    def _backward():\n"
        "        self.grad += s * (1 - s) * out.grad\n"
        "    out._backward = _backward\n"
        "    return out\n"
        "Value.sigmoid = sigmoid\n"
        "def f(a, b):\n"
        "    return (a * b + a).sigmoid() * b.tanh() + a.sigmoid() ** 2\n"
        "numbers = [0.7, -1.3]\n"
        "a, b = Value(numbers[0]), Value(numbers[1])\n"
        "out = f(a, b)\n"
        "out.backward()\n"
        "children = [child._op for child in out._prev]\n"
        "print(json.dumps({'grads': [a.grad, b.grad],\n"
        "                  'nudged': numerical_gradient(f, numbers, 1e-6),\n"
        "                  'children': children}))\n"
    )
    found = json.loads(run_installed(script))
    for grad, nudged in zip(found["grads"], found["nudged"], strict=True):
        assert math.isclose(grad, nudged, rel_tol=1e-6, abs_tol=1e-9), found
    assert sorted(found["children"]) == ["*", "**2"]


def test_figures_work_from_the_installed_wheel_without_extras(run_installed, root: Path):
    """A reader's notebook: every kind of figure inlines the player that
    ships in the wheel (no file path, no network); without matplotlib there
    is no still, and nothing fails."""
    script = (
        "import json, random\n"
        "from micrograd.data import make_moons\n"
        "from micrograd.engine import Value\n"
        "from micrograd.figures import (backward_figure, loop_figure,\n"
        "                               network_figure, neuron_figure, record_run)\n"
        "from micrograd.nn import MLP, loss_and_accuracy\n"
        "a, b = Value(2.0, label='a'), Value(-3.0, label='b')\n"
        "c = a * b + a; c.label = 'c'\n"
        "o = c.tanh(); o.label = 'o'\n"
        "o.backward()\n"
        "random.seed(1)\n"
        "xor = [[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]\n"
        "network = network_figure(MLP(2, [3, 1]), xor, [1.0, 1.0, -1.0, -1.0], steps=2)\n"
        "X, y = make_moons(n=10, seed=1)\n"
        "run = record_run('moons', MLP(2, [4, 1], activation='relu',\n"
        "                              output_activation='linear'),\n"
        "                 X, y, loss_and_accuracy, steps=2)\n"
        "figures = {'graph': backward_figure(o), 'neuron': neuron_figure(o),\n"
        "           'network': network, 'loop': loop_figure([run])}\n"
        "print(json.dumps({name: fig._repr_mimebundle_() for name, fig in figures.items()}))\n"
    )
    bundles = json.loads(run_installed(script))
    assert sorted(bundles) == ["graph", "loop", "network", "neuron"]
    for bundle in bundles.values():
        assert sorted(bundle) == ["text/html", "text/plain"]
        html = bundle["text/html"]
        assert f"<script>{player_script()}</script>" in html
        assert "src=" not in html and "href=" not in html


def test_the_apparatus_is_the_appendix_and_every_snapshot_carries_it(book, tangled: Result):
    """The book's machinery (the figures) is taught in one place, the
    appendix, and every chapter can use it: every snapshot holds all of it.
    No lesson chapter tangles into it, and it shares no file with them."""
    apparatus = [chapter.stem for chapter in book.chapters if chapter.apparatus]
    assert apparatus == ["90-how-pictures-are-made"]
    machinery = {p.target for p in tangled.placements if p.cell.chapter.apparatus}
    taught = {p.target for p in tangled.placements if not p.cell.chapter.apparatus}
    assert machinery == {"micrograd/figures/__init__.py"} and not machinery & taught
    assert tangled.snapshots, "no chapter tangles any code"
    for chapter, files in tangled.snapshots:
        for path in machinery:
            assert files[path].text == tangled.files[path].text, chapter.path
