"""The chapters beyond the lecture (12 and 13) show numbers that hold.

Reads what the build glued into each page (_build/jupyter_execute/, written by
`make html`). Timings vary from build to build and are never asserted here;
the numbers below do not depend on the machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "jupyter_execute" / "book"


def glued(chapter: str) -> dict[str, str]:
    path = EXECUTED / f"{chapter}.glue.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the book (make html)")
    return {name: output["data"]["text/plain"]
            for name, output in json.loads(path.read_text()).items()}


def test_the_lean_engine_trains_the_moons_to_the_same_loss_as_chapter_11():
    # bit for bit: the same arithmetic in the same order
    assert glued("12-why-slow")["lean_final_loss"] == glued("11-moons")["moons_final_loss"]
    assert float(glued("12-why-slow")["lean_accuracy"]) == 100.0


def test_the_lean_engine_is_smaller_and_still_goes_a_million_deep():
    numbers = glued("12-why-slow")
    assert float(numbers["lean_bytes"]) <= 150
    assert float(numbers["old_bytes"]) > 3 * float(numbers["lean_bytes"])
    assert float(numbers["chain_grad"]) == 1_000_001
    assert int(numbers["lean_left"]) == 0 < int(numbers["old_left"])
    assert int(numbers["graph_nodes"]) > 60_000


def test_the_tensor_chapter_reaches_the_scalar_losses_and_pytorchs():
    numbers = glued("13-tensors")
    assert float(numbers["loss_difference"]) <= 1e-9
    assert float(numbers["torch_difference"]) <= 1e-9
    assert float(numbers["check_difference"]) <= 1e-12


def test_the_checks_the_chapters_print_come_out_true():
    """Cells whose last line is an equality check show True on the page."""
    notebook = json.loads((EXECUTED / "12-why-slow.ipynb").read_text())
    shown = {}
    for cell in notebook["cells"]:
        source = "".join(cell["source"]).strip()
        last = source.splitlines()[-1] if source else ""
        for output in cell.get("outputs", []):
            if "text/plain" in output.get("data", {}):
                shown[last] = "".join(output["data"]["text/plain"])
    assert shown["lean_losses == slow_losses"] == "True"
    assert shown["before.topological_order(lean_graph) == "
                 "topological_order(lean_graph)"] == "True"
