"""Benchmarks: our engines against the reference micrograd and PyTorch.

    python benchmarks/run.py            # the full moons step (a few minutes)
    python benchmarks/run.py --quick    # a tiny size, to check that it runs

One moons training step, as in the book's moons chapter: MLP(2, [16, 16, 1]),
100 points, max-margin loss plus L2, a learning rate going from 1.0 to 0.1.
Every engine gets the same points and the same initial weights (as JSON) and
runs in a process of its own (worker.py); its losses must agree with our
scalar engine's (1e-12 for the reference micrograd, 1e-9 for the array
engines) or the benchmark fails. The reference is Karpathy's micrograd 0.1.0
from PyPI, installed in a virtual environment of its own, created here on
first use (benchmarks/.venv-reference).

Step times are medians over the training steps, measured with
time.perf_counter, with Python's garbage collector working as usual; the row
"collector paused" runs our scalar engine again with the collector switched
off during training, which is safe for an engine that makes no reference
cycles (see the book's chapter "Why is it slow?") and would make the
reference micrograd's memory grow by its whole graph every step. The row
"the floor" is the same step with no engine at all: forward pass, loss and
gradients written by hand on plain Python floats (worker.py, train_floor),
its losses checked like every engine's; "x floor" says how many times its
step time each scalar engine takes, the cost of building and walking a
graph. kB/pass comes from tracemalloc: what one forward pass allocates
and keeps, its graph (ours has fewer nodes: a neuron's weighted sum is one
node, Value.dot); max depth is the longest chain
`y = y + x` that backward() gets through (10, 100, ... up to a million, then
bisecting between the last depth that worked and the first that failed).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import subprocess
import sys
import venv
from itertools import pairwise
from pathlib import Path

import moons  # this folder's: the problem every engine is timed on

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "worker.py"
REFERENCE_VENV = HERE / ".venv-reference"
REFERENCE = "micrograd==0.1.0"

SIZES = {
    # points, hidden layers, training steps, deepest chain tried, repeats
    "full": {
        "n": moons.POINTS,
        "hidden": moons.HIDDEN,
        "steps": moons.STEPS,
        "max_depth": 10**6,
        "repeats": 5,
    },
    "quick": {"n": 8, "hidden": [4, 4], "steps": 3, "max_depth": 10**4, "repeats": 1},
}
TOLERANCE = {"reference": 1e-12, "paused": 0.0, "floor": 1e-12, "tensor": 1e-9, "pytorch": 1e-9}
NAMES = {
    "reference": "reference micrograd 0.1.0",
    "scalar": "micrograd, scalar Value",
    "paused": "  the same, collector paused",
    "floor": "the floor: hand-written floats",
    "tensor": "micrograd.tensor (NumPy)",
    "pytorch": "PyTorch (CPU, float64)",
}
# The targets, judged on the full size: (what, the measured number, whether
# it must be at least or at most the bound, the bound). ratio(r, a, b) is
# engine a's step time over engine b's.
TARGETS = [
    ("scalar, speed-up on the reference", lambda r: ratio(r, "reference", "scalar"), ">=", 50),
    ("scalar, times the floor's step time", lambda r: ratio(r, "scalar", "floor"), "<=", 4),
    (
        "scalar, memory of a forward pass, over the reference's",
        lambda r: r["scalar"]["kept_bytes"] / r["reference"]["kept_bytes"],
        "<=",
        0.1,
    ),
    (
        "scalar, deepest chain for backward()",
        lambda r: r["scalar"]["max_depth"],
        ">=",
        10**6,
    ),
    ("tensor, speed-up on scalar", lambda r: ratio(r, "scalar", "tensor"), ">=", 100),
    ("tensor, times PyTorch's step time", lambda r: ratio(r, "tensor", "pytorch"), "<=", 2),
]


def ratio(results: dict, a: str, b: str) -> float:
    return results[a]["step_seconds"] / results[b]["step_seconds"]


def reference_python() -> Path:
    """The reference micrograd's Python, creating its venv on first use.
    Two runs at once (the test suite's two workers) take turns: the second
    waits for the first's venv instead of rebuilding it under it."""
    REFERENCE_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(REFERENCE_VENV.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return _reference_python()


def _reference_python() -> Path:
    python = REFERENCE_VENV / "bin" / "python"
    check = [
        str(python),
        "-I",
        "-c",
        "import importlib.metadata as m; assert m.version('micrograd') == '0.1.0'",
    ]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return python
    print(f"benchmark: installing {REFERENCE} into {REFERENCE_VENV} ...", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(REFERENCE_VENV)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", REFERENCE],
        check=True,
    )
    subprocess.run(check, check=True)
    return python


def make_job(size: dict, seed: int) -> dict:
    sys.path.insert(0, str(ROOT))  # the moons come from our micrograd.data
    points, labels = moons.points(size["n"], seed)
    sizes = [2] + size["hidden"] + [1]
    count = sum((nin + 1) * nout for nin, nout in pairwise(sizes))
    rng = random.Random(seed)
    weights = [rng.uniform(-1, 1) for _ in range(count)]
    return {
        "points": points,
        "labels": labels,
        "hidden": size["hidden"],
        "weights": weights,
        "steps": size["steps"],
        "alpha": moons.ALPHA,
        "max_depth": size["max_depth"],
        "repeats": size["repeats"],
    }


def run_worker(python: Path, job: dict, engine: str, task: str) -> dict:
    job = dict(job, engine=engine, task=task, root=None if engine == "reference" else str(ROOT))
    # -I: the worker sees neither this folder, nor PYTHONPATH, nor user site
    # packages, so each engine imports only its own micrograd.
    done = subprocess.run(
        [str(python), "-I", str(WORKER)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark: {engine} {task} failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    inside = Path(result["module"]).resolve().is_relative_to(ROOT / "micrograd")
    if inside != (engine in ("scalar", "tensor")):
        raise SystemExit(f"benchmark: {engine} loaded {result['module']}")
    return result


def measure(size: dict, seed: int, engines: list[str]) -> dict:
    job = make_job(size, seed)
    results = {}
    for engine in engines:
        print(f"benchmark: {engine} ...", file=sys.stderr)
        kind = "scalar" if engine == "paused" else engine
        python = reference_python() if engine == "reference" else Path(sys.executable)
        this_job = dict(job, pause_collector=engine == "paused")
        result = run_worker(python, this_job, kind, "train")
        if engine in ("reference", "scalar"):
            result |= run_worker(python, job, kind, "memory")
            result |= run_worker(python, job, kind, "depth")
        results[engine] = result
    check_losses(results)
    return {"size": size, "seed": seed, "engines": results}


def check_losses(results: dict) -> None:
    """Every engine's losses against the scalar engine's; stop if too far."""
    scalar = results["scalar"]["losses"]
    for engine, result in results.items():
        if engine == "scalar":
            continue
        worst = max(abs(a - b) for a, b in zip(result["losses"], scalar, strict=True))
        result["loss_difference"] = worst
        if worst > TOLERANCE[engine]:
            raise SystemExit(
                f"benchmark: {engine}'s losses differ from the scalar "
                f"engine's by {worst:.3g} (more than {TOLERANCE[engine]:g})"
            )


def milliseconds(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:,.1f} ms" if ms >= 10 else f"{ms:.3f} ms"


def times(a: float, b: float) -> str:
    """How many times a is b, for a table: 12.3x, 0.81x."""
    ratio = a / b
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def table(report: dict) -> str:
    size, results = report["size"], report["engines"]
    layers = ", ".join(str(h) for h in [*size["hidden"], 1])
    scalar = results["scalar"]
    lines = [
        f"moons training step: MLP(2, [{layers}]), {size['n']} points, "
        f"max-margin loss + L2, {size['steps']} steps, seed {report['seed']}",
        "each engine in its own process; step time: median over the steps",
        "",
        "scalar engines",
        f"  {'engine':<31}{'step time':>11}{'speed-up':>10}{'x floor':>9}"
        f"{'kB/pass':>12}{'max depth':>12}  losses",
    ]
    base = results.get("reference", scalar)["step_seconds"]
    floor = results.get("floor", {}).get("step_seconds")
    for engine in ("reference", "scalar", "paused", "floor"):
        if engine not in results:
            continue
        result = results[engine]
        kept = f"{result['kept_bytes'] / 1000:,.0f}" if "kept_bytes" in result else ""
        depth = ""
        if "max_depth" in result:
            depth = f"{result['max_depth']:,}" + ("+" if result["capped"] else "")
        over_floor = times(result["step_seconds"], floor) if floor else ""
        lines.append(
            f"  {NAMES[engine]:<31}{milliseconds(result['step_seconds']):>11}"
            f"{times(base, result['step_seconds']):>10}{over_floor:>9}{kept:>12}"
            f"{depth:>12}  {agreement(engine, result)}"
        )
    if any(e in results for e in ("tensor", "pytorch")):
        lines += [
            "",
            "array engines",
            f"  {'engine':<30}{'step time':>12}{'vs scalar':>11}{'vs PyTorch':>12}{'':>12}  losses",
        ]
        torch = results.get("pytorch", {}).get("step_seconds")
        for engine in ("scalar", "tensor", "pytorch"):
            if engine not in results:
                continue
            step = results[engine]["step_seconds"]
            versus = times(torch, step) if torch else ""
            lines.append(
                f"  {NAMES[engine]:<30}{milliseconds(step):>12}"
                f"{times(scalar['step_seconds'], step):>11}{versus:>12}"
                f"{'':>12}  {agreement(engine, results[engine])}"
            )
    lines += [
        "",
        "speed-up: the reference's step time over this one's; vs X: X's step time over this one's",
        "x floor: this one's step time over the floor's, the same step on plain floats by hand",
        "losses: the largest difference from the scalar engine's, step by step",
    ]
    if report["size"] == SIZES["full"] and all(e in results for e in NAMES):
        lines += ["", "targets"]
        for what, measured, sense, bound in TARGETS:
            value = measured(results)
            met = value >= bound if sense == ">=" else value <= bound
            lines.append(
                f"  [{'met' if met else 'MISSED':>6}] {what}: {value:,.3g} (target {sense} {bound:,})"
            )
    return "\n".join(lines)


def agreement(engine: str, result: dict) -> str:
    if engine == "scalar":
        return "(the yardstick)"
    return f"max diff {result['loss_difference']:.1e}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a tiny size: checks that everything runs"
    )
    parser.add_argument("--steps", type=int, help="training steps")
    parser.add_argument("--seed", type=int, default=moons.SEED)
    parser.add_argument(
        "--engines",
        default=",".join(NAMES),
        help="comma-separated, from: " + ", ".join(NAMES) + " (scalar always runs)",
    )
    parser.add_argument("--json", type=Path, help="also write the full results to this file")
    args = parser.parse_args(argv)
    size = dict(SIZES["quick" if args.quick else "full"])
    if args.steps:
        size["steps"] = args.steps
    wanted = set(args.engines.split(",")) | {"scalar"}
    unknown = wanted - set(NAMES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    report = measure(size, args.seed, [e for e in NAMES if e in wanted])
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
