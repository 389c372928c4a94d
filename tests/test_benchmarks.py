"""The benchmark (benchmarks/run.py) runs, on a tiny size, and prints its tables.

Timings are never asserted here: only that every engine ran in a process of
its own, on its own code, with the same losses, and that the tables have
their rows and columns. `make benchmark` runs the full size.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def bench(root: Path):
    spec = importlib.util.spec_from_file_location("bench", root / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(root: Path, tmp_path_factory):
    """The quick benchmark's printed table and its JSON report."""
    report = tmp_path_factory.mktemp("bench") / "report.json"
    done = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "run.py"), "--quick", "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(report.read_text())


def test_quick_run_prints_both_tables_with_every_engine(quick, bench):
    text, _ = quick
    lines = text.splitlines()
    assert "scalar engines" in lines and "array engines" in lines
    for name in bench.NAMES.values():
        assert any(line.startswith(f"  {name}") for line in lines), name
    header = next(line for line in lines if "kB/pass" in line)
    for column in ("step time", "speed-up", "x floor", "kB/pass", "max depth", "losses"):
        assert column in header
    array_header = next(line for line in lines if "vs PyTorch" in line)
    assert "vs scalar" in array_header
    # targets are judged on the full size only
    assert "targets" not in lines


def test_quick_run_rows_hold_numbers(quick, bench):
    text, _ = quick
    rows = {}  # each engine's first row (the scalar engine has one per table)
    for line in text.splitlines():
        for name in bench.NAMES.values():
            if line.startswith(f"  {name}"):
                rows.setdefault(name, line)
    reference = rows[bench.NAMES["reference"]]
    assert " ms" in reference and "x" in reference and "max diff" in reference
    scalar = rows[bench.NAMES["scalar"]]
    assert "10,000+" in scalar  # the quick size's deepest chain, reached
    assert "(the yardstick)" in scalar


def test_each_engine_ran_its_own_code_with_the_same_losses(quick, root: Path):
    _, report = quick
    engines = report["engines"]
    assert list(engines) == ["reference", "scalar", "paused", "floor", "tensor", "pytorch"]
    reference = Path(engines["reference"]["module"])
    assert ".venv-reference" in reference.parts and "site-packages" in reference.parts
    for ours in ("scalar", "paused", "tensor"):
        assert Path(engines[ours]["module"]).is_relative_to(root / "micrograd")
    assert "torch" in Path(engines["pytorch"]["module"]).parts
    assert (
        Path(engines["floor"]["module"]).resolve() == (root / "benchmarks" / "worker.py").resolve()
    )
    steps = report["size"]["steps"]
    assert all(len(e["losses"]) == steps for e in engines.values())
    assert engines["reference"]["loss_difference"] <= 1e-12
    assert engines["paused"]["loss_difference"] == 0.0
    assert engines["floor"]["loss_difference"] <= 1e-12
    assert engines["tensor"]["loss_difference"] <= 1e-9
    assert engines["pytorch"]["loss_difference"] <= 1e-9


def test_depth_and_memory_are_measured_for_the_scalar_engines(quick):
    _, report = quick
    reference, scalar = report["engines"]["reference"], report["engines"]["scalar"]
    # Karpathy's recursive sort stops near Python's recursion limit
    assert not reference["capped"] and 100 < reference["max_depth"] < 10_000
    assert scalar["capped"] and scalar["max_depth"] == 10_000
    assert reference["kept_bytes"] > 10 * scalar["kept_bytes"] > 0
    # ours makes one node of each neuron's weighted sum (Value.dot), where
    # Karpathy's makes a product and a sum per weight
    assert reference["nodes"] > 1.5 * scalar["nodes"]  # 758 and 383 on the quick size


def test_losses_that_differ_stop_the_benchmark(bench):
    report = {"losses": [1.0, 2.0]}
    with pytest.raises(SystemExit, match="differ"):
        bench.check_losses({"scalar": {"losses": [1.0, 2.0 + 1e-6]}, "reference": report})
