"""micrograd, the book: "your own expression", in live mode.

Under chapter 5's backward-pass figure, a live page offers a box where the
reader types values (``a = 2.0, b = -3.0``) and an expression of them
(``(a * b + c).tanh()``); live.js sends this file to the page's Python
once, then calls ``your_expression(values, expression)``, whose figure
replays the forward and backward passes of what the reader typed. It runs
in the page's interpreter, so it uses the ``Value`` the chapter's cells
built (with the ``_backward`` rules the chapter adds).

What the reader got wrong is said in words, on one line, with the fix:
no traceback for a typo.
"""

import ast
import builtins
import math

LARGEST = 40  # values in one graph; more do not fit a page's width

OPERATORS = (
    ("+", "__add__"),
    ("-", "__sub__"),
    ("*", "__mul__"),
    ("/", "__truediv__"),
    ("**", "__pow__"),
)
METHODS = ("tanh", "exp", "relu", "sigmoid", "log")


class Mistake(Exception):
    """Something the reader typed that cannot be drawn, said in words."""


def what_value_knows(value_class) -> str:
    """The operators and methods this chapter's Value has, for a hint."""
    symbols = [s for s, name in OPERATORS if hasattr(value_class, name)]
    methods = [f".{m}()" for m in METHODS if hasattr(value_class, m)]
    return " ".join(symbols) + (", " + ", ".join(methods) if methods else "")


def parse_values(text: str, value_class) -> dict:
    """``a = 2.0, b = -3`` -> {'a': Value(2.0, label='a'), ...}."""
    example = "write them as  a = 2.0, b = -3.0  (a name, =, a number)"
    if not text.strip():
        raise Mistake(f"Give the values a number each: {example}.")
    try:
        call = ast.parse(f"values({text})", mode="eval").body
    except SyntaxError:
        raise Mistake(
            f"The values are not in the right form: {example}, with commas between."
        ) from None
    if not isinstance(call, ast.Call) or call.args:
        raise Mistake(f"The values are not in the right form: {example}.")
    leaves = {}
    for keyword in call.keywords:
        name = keyword.arg
        if name is None:
            raise Mistake(f"The values are not in the right form: {example}.")
        try:
            number = ast.literal_eval(keyword.value)
        except ValueError:
            number = None
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, float))
            or not math.isfinite(number)
        ):
            typed = ast.get_source_segment(f"values({text})", keyword.value)
            raise Mistake(f"{name} = {typed}: a value must be a number, such as {name} = 2.0.")
        leaves[name] = value_class(float(number), label=name)
    return leaves


def evaluate(values: str, expression: str, value_class):
    """The Value that ``expression`` gives, or a Mistake saying why not."""
    leaves = parse_values(values, value_class)
    if not expression.strip():
        raise Mistake("Type an expression of the values, such as (a * b + c).tanh().")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise Mistake(
            f"The expression is not Python ({error.msg}): check its brackets and operators."
        ) from None
    used = sorted(
        {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - {"Value"} - set(leaves)
    )
    missing = [name for name in used if not hasattr(builtins, name)]
    if missing:
        names = ", ".join(missing)
        raise Mistake(
            f"{names} {'has' if len(missing) == 1 else 'have'} no "
            f"value: add {missing[0]} = 1.0 to the values."
        )
    scope = {"Value": value_class, **leaves}
    try:
        out = eval(compile(tree, "<your expression>", "eval"), scope)
    except (TypeError, AttributeError) as error:
        raise Mistake(
            f"{error}. This chapter's Value knows {what_value_knows(value_class)}."
        ) from None
    except Exception as error:
        raise Mistake(f"{type(error).__name__}: {error}.") from None
    if not isinstance(out, value_class):
        raise Mistake(
            f"The expression gives {out!r} ({type(out).__name__}), "
            f"not a Value: use the values in it."
        )
    if not out._prev:
        raise Mistake(
            "The expression is a single value: there is nothing "
            "to compute. Combine values, as in a * b + c."
        )
    return out


def your_expression(values: str, expression: str, value_class):
    """The replayed forward and backward passes of the reader's expression
    (a Figure), or None after printing what is wrong."""
    from micrograd.figures import backward_figure

    try:
        out = evaluate(values, expression, value_class)
    except Mistake as mistake:
        print(f"Cannot draw it: {mistake}")
        return None
    out.label = out.label or "out"
    figure = backward_figure(out)
    size = len(figure.trace["nodes"])  # the figure counts the values
    if size > LARGEST:
        print(
            f"Cannot draw it: The expression makes {size} values, too many "
            f"to draw on a page (at most {LARGEST}): make it shorter."
        )
        return None
    numbers = [number for node in figure.trace["nodes"] for number in (node["data"], node["grad"])]
    if not all(math.isfinite(number) for number in numbers):
        print(
            "Cannot draw it: some values or gradients are too large for a "
            "float (inf or nan); use smaller numbers."
        )
        return None
    return figure
