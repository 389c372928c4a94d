"""Run an exercise's checks against the reader's code, and say in words what
passed and what did not.

An exercise that asks for code has its checks next to it in the chapter: a
hidden cell with the option `:check: LABEL`, right after the solution's
code. At every build that cell runs as ordinary Python, against the
solution, so a check that the solution fails stops the build. On a live page
the Check button runs the reader's code, then sends the same cell's source
to the page's Python, where this file (shipped in the live pages' Python as
`book_live.check_runner`, bookbuild/live.py) runs `run_checks` on it.

Each top-level `assert test, "message"` is one check: the message says what
is checked, and the result says whether it held. When a comparison fails
(`assert yours == expected, ...`, or any other comparison, and
`abs(yours - expected) < tolerance`), the result also holds both sides'
values, so the reader sees their value beside the expected one. Other statements (setting
up values, defining a helper) run in order; an error there stops the checks
after it, since they would only fail for the same reason. The checks run in
a copy of the reader's namespace, so they leave the reader's names alone.

Standard library only: the browser (Pyodide) runs this very file too.
"""

from __future__ import annotations

import ast


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def check_messages(source: str) -> list[str]:
    """The message of each check in `source`, in order. Raises ValueError
    when a check has no message, or one that is not a plain string: the
    reader would see no words."""
    return [_words(node) for node in ast.parse(source).body if isinstance(node, ast.Assert)]


def _words(check: ast.Assert) -> str:
    """What a check says it checks: its message, a plain string."""
    if not (isinstance(check.msg, ast.Constant) and isinstance(check.msg.value, str)):
        raise ValueError(
            f"line {check.lineno}: give the check a message that says "
            f'what it checks, as a plain string: assert ..., "..."'
        )
    return check.msg.value


def run_checks(source: str, namespace: dict) -> list[dict]:
    """Run the checks in `source` against a copy of `namespace`. One result
    per check, in order: {"ok": bool, "message": str, "error": str or None}
    (the error an assert raised instead of holding or failing); a set-up
    statement that fails adds a result of its own and ends the run."""
    check_messages(source)  # every check says what it checks
    scope = dict(namespace)
    results = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assert):
            test = compile(ast.Expression(node.test), "<check>", "eval")
            try:
                ok, error = bool(eval(test, scope)), None
            except Exception as raised:  # the reader's code raised
                ok, error = False, _describe(raised)
            result = {"ok": ok, "message": _words(node), "error": error}
            if not ok and error is None:
                result.update(_sides(node.test, scope))
            results.append(result)
            continue
        code = compile(ast.Module([node], type_ignores=[]), "<check>", "exec")
        try:
            exec(code, scope)
        except Exception as raised:
            first = ast.get_source_segment(source, node) or ""
            first = first.splitlines()[0] if first else ""
            results.append(
                {
                    "ok": False,
                    "message": f"the check could not run `{first}`",
                    "error": _describe(raised),
                }
            )
            break
    return results


# How the expected side of a failed comparison is said.
EXPECTED = {
    ast.Eq: "{}",
    ast.NotEq: "anything but {}",
    ast.Lt: "less than {}",
    ast.LtE: "at most {}",
    ast.Gt: "more than {}",
    ast.GtE: "at least {}",
    ast.Is: "{}",
    ast.IsNot: "not {}",
}
# For `needle in text` the reader's value is the text: said the other way.
HOLDS = {ast.In: "something that holds {}", ast.NotIn: "something without {}"}


def _shown(value: object) -> str:
    """A value as the reader sees it in a report: its repr, on one line,
    cut short if it is long."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 100 else text[:97] + "..."


def _sides(test: ast.expr, scope: dict) -> dict:
    """For a failed comparison, the reader's value and the expected one, in
    words ({"yours": ..., "expected": ...}); {} for any other test. In
    `abs(a - b) < tolerance` the sides are a and b ("within tolerance")."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return {}
    left, right, op = test.left, test.comparators[0], test.ops[0]
    within = None
    inside = left.args[0] if isinstance(left, ast.Call) and len(left.args) == 1 else None
    if (
        isinstance(left, ast.Call)
        and isinstance(left.func, ast.Name)
        and left.func.id == "abs"
        and isinstance(inside, ast.BinOp)
        and isinstance(inside.op, ast.Sub)
        and isinstance(op, (ast.Lt, ast.LtE))
    ):
        within, left, right = right, inside.left, inside.right
    try:
        values = [
            eval(compile(ast.Expression(side), "<check>", "eval"), scope)
            for side in (left, right, within)
            if side is not None
        ]
    except Exception:  # the sides were evaluated once already; be safe
        return {}
    if type(op) in HOLDS:
        yours = f"{ast.unparse(right)} = {_shown(values[1])}"
        return {"yours": yours, "expected": HOLDS[type(op)].format(_shown(values[0]))}
    yours = f"{ast.unparse(left)} = {_shown(values[0])}"
    if within is not None:
        return {"yours": yours, "expected": f"{_shown(values[1])}, to within {values[2]}"}
    return {"yours": yours, "expected": EXPECTED[type(op)].format(_shown(values[1]))}


def report(results: list[dict]) -> str:
    """The results in words, one line per check."""
    lines = []
    for result in results:
        mark = "✓ passed" if result["ok"] else "✗ did not pass"
        line = f"{mark}: {result['message']}"
        if result.get("error"):
            line += f" ({result['error']})"
        lines.append(line)
        if "yours" in result:
            lines.append(f"    yours:    {result['yours']}")
            lines.append(f"    expected: {result['expected']}")
    passed = sum(r["ok"] for r in results)
    lines.append(f"{passed} of {len(results)} checks passed.")
    return "\n".join(lines)
