"""Runs the cells of a live page in the browser (Pyodide), as Jupyter would.

worker.mjs imports this module once per interpreter and calls `start`, then
`run_cell` for each cell the reader runs (after `missing_names`, which says
what the cell would read that no cell has defined yet), `check` for the Check button of
an exercise, and `draw_expression` for your own expression (chapter 5).
Everything they show goes to `emit` (a JavaScript function) as JSON, as it
happens:

    {"type": "stream", "name": "stdout", "text": ...}
    {"type": "display", "data": {mime: ...}, "display_id": ... or None}
    {"type": "update", "data": {mime: ...}, "display_id": ...}
    {"type": "result", "data": {mime: ...}}
    {"type": "error", "ename": ..., "evalue": ..., "traceback": ...}

What the hidden set-up cell of a chapter gives its code in the book, the
page gets here: `add_to_class`, and `glue` (which only puts numbers into
the prose, so here it does nothing). IPython is not in Pyodide: a small
`IPython.display` (display, update_display, Pretty, HTML) stands in for it,
and a small `graphviz` that only writes DOT source, which worker.mjs draws
with Graphviz compiled to WebAssembly; `matplotlib.pyplot` is the page's own
(pyplot.py), whose figures show, as SVG, when the cell that drew them ends;
`get_ipython()` gives the formats a value shows in.
"""

import ast
import builtins
import importlib.abc
import importlib.machinery
import itertools
import json
import linecache
import pprint
import sys
import traceback
import types
from collections.abc import Callable

namespace: dict[str, object] = {}
_emit: Callable[[str], object] = print  # until start() is given the page's
_ids = itertools.count(1)


def send(message):
    _emit(json.dumps(message))


# -- what the chapters' hidden set-up gives them ---------------------------------


def add_to_class(cls):
    """Attach the decorated function to `cls` as a method (the book's
    set-up does the same; the tangler moves it into the class)."""

    def attach(function):
        setattr(cls, function.__name__, function)
        return function

    return attach


def glue(name, value, display=True):
    """In the book, puts a number into the prose; the page has it already."""


# -- output -----------------------------------------------------------------------


class Stream:
    """sys.stdout and sys.stderr: what is written goes to the page."""

    def __init__(self, name):
        self.name = name

    def write(self, text):
        if text:
            send({"type": "stream", "name": self.name, "text": text})
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def plain(value):
    """The text form of a value, as IPython shows it (containers that do
    not fit on a line, one item a line)."""
    if type(value) in (list, tuple, dict, set, frozenset):
        return pprint.pformat(value, width=79, sort_dicts=False)
    return repr(value)


def bundle(value):
    """{mime type: data} for a value, from its _repr_*_ methods."""
    data: dict[str, object] = {}
    if not isinstance(value, type):
        method = getattr(value, "_repr_mimebundle_", None)
        if callable(method):
            got = method()
            if isinstance(got, tuple):
                got = got[0]
            data.update(got or {})
        for mime, name in (
            ("text/html", "_repr_html_"),
            ("image/svg+xml", "_repr_svg_"),
            ("text/markdown", "_repr_markdown_"),
        ):
            method = getattr(value, name, None)
            if mime not in data and callable(method):
                got = method()
                if got is not None:
                    data[mime] = got
    data.pop("application/pdf", None)  # the printed book's form
    data.setdefault("text/plain", plain(value))
    return data


class DisplayHandle:
    def __init__(self, display_id):
        self.display_id = display_id

    def display(self, value):
        display(value, display_id=self.display_id)

    def update(self, value):
        update_display(value, display_id=self.display_id)


def display(*values, display_id=None, **options):
    if display_id is True:
        display_id = f"live-{next(_ids)}"
    for value in values:
        send({"type": "display", "data": bundle(value), "display_id": display_id})
    return DisplayHandle(display_id) if display_id else None


def update_display(value, display_id):
    send({"type": "update", "data": bundle(value), "display_id": display_id})


class Pretty:
    def __init__(self, data):
        self.data = data

    def _repr_mimebundle_(self):
        return {"text/plain": str(self.data)}


class HTML:
    def __init__(self, data):
        self.data = data

    def _repr_mimebundle_(self):
        return {"text/html": self.data, "text/plain": "<IPython.core.display.HTML object>"}


def clear_output(wait=False):
    send({"type": "clear"})


# -- the graphviz stand-in ----------------------------------------------------------

DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def quote(text):
    text = str(text)
    if text.isidentifier() and text.isascii() and text.lower() not in DOT_KEYWORDS:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def attributes(label=None, options=None):
    pairs = ([("label", label)] if label is not None else []) + [
        (key, value) for key, value in (options or {}).items() if value is not None
    ]
    return " [" + " ".join(f"{key}={quote(value)}" for key, value in pairs) + "]" if pairs else ""


class Digraph:
    """The part of graphviz.Digraph the book uses: it writes DOT source,
    which the page draws (Graphviz compiled to WebAssembly)."""

    _kind, _arrow = "digraph", "->"
    __module__ = "graphviz.graphs"  # its repr, as the real one's

    def __init__(
        self,
        name=None,
        comment=None,
        graph_attr=None,
        node_attr=None,
        edge_attr=None,
        body=None,
        **ignored,
    ):
        self.name = name
        self.body = list(body or [])
        self.graph_attr = dict(graph_attr or {})
        self.node_attr = dict(node_attr or {})
        self.edge_attr = dict(edge_attr or {})

    def node(self, name, label=None, _attributes=None, **options):
        self.body.append(f"\t{quote(name)}{attributes(label, {**(_attributes or {}), **options})}")

    def edge(self, tail_name, head_name, label=None, _attributes=None, **options):
        self.body.append(
            f"\t{quote(tail_name)} {self._arrow} {quote(head_name)}"
            f"{attributes(label, {**(_attributes or {}), **options})}"
        )

    def attr(self, kw=None, _attributes=None, **options):
        options = {**(_attributes or {}), **options}
        if kw is None:
            self.graph_attr.update(options)
        else:
            self.body.append(f"\t{kw}{attributes(None, options)}")

    @property
    def source(self):
        head = f"{self._kind} {quote(self.name)} {{" if self.name else f"{self._kind} {{"
        lines = [head]
        for kind, options in (
            ("graph", self.graph_attr),
            ("node", self.node_attr),
            ("edge", self.edge_attr),
        ):
            if options:
                lines.append(f"\t{kind}{attributes(None, options)}")
        return "\n".join(lines + self.body + ["}"]) + "\n"

    def __str__(self):
        return self.source

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/vnd.graphviz": self.source}

    def pipe(self, *args, **kwargs):
        raise RuntimeError(
            "the page draws graphs itself; rendering to a file "
            "needs Graphviz installed (run the notebook)"
        )

    render = view = pipe


class Graph(Digraph):
    _kind, _arrow = "graph", "--"


# -- what the browser does not have --------------------------------------------------

ABSENT = {"numpy": "NumPy", "torch": "PyTorch"}


class Absent(types.ModuleType):
    """A package the browser's Python does not have. It can be imported (a
    cell of imports runs), but not used: the build marks the cells that use
    it, and the page shows the book's output for them."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        top = self.__name__.split(".")[0]
        raise ModuleNotFoundError(
            f"{ABSENT[top]} does not run in the browser: this cell runs in "
            f"Jupyter (download the notebook)",
            name=self.__name__,
        )


class AbsentFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in ABSENT:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = Absent(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class DisplayFormatter:
    def format(self, value, include=None, exclude=None):
        return bundle(value), {}


class Shell:
    """What `get_ipython()` gives the chapters: the formats a value shows
    in (the page's own, those of `bundle`)."""

    display_formatter = DisplayFormatter()


_shell = Shell()


def get_ipython():
    return _shell


def install_modules():
    """IPython.display, graphviz and matplotlib's pyplot, as the page has
    them, and stand-ins for the packages it does not have."""
    from . import pyplot

    sys.meta_path.insert(0, AbsentFinder())
    matplotlib = types.ModuleType("matplotlib", "The page's plots: book_live/pyplot.py.")
    ticker = types.ModuleType("matplotlib.ticker")
    vars(ticker).update(LogLocator=pyplot.Locator)
    vars(matplotlib).update(pyplot=pyplot, ticker=ticker, __path__=[])
    sys.modules.update(
        {"matplotlib": matplotlib, "matplotlib.pyplot": pyplot, "matplotlib.ticker": ticker}
    )
    ipython = types.ModuleType("IPython")
    ipython_display = types.ModuleType("IPython.display")
    for name in ("display", "update_display", "DisplayHandle", "Pretty", "HTML", "clear_output"):
        setattr(ipython_display, name, globals()[name])
    vars(ipython).update(display=ipython_display, get_ipython=get_ipython)
    graphviz = types.ModuleType(
        "graphviz", "The page's stand-in for graphviz: it writes DOT source."
    )
    vars(graphviz).update(Digraph=Digraph, Graph=Graph)
    sys.modules.update(
        {"IPython": ipython, "IPython.display": ipython_display, "graphviz": graphviz}
    )


# -- running a cell -----------------------------------------------------------------


def fresh_names():
    """The names a chapter's code starts with, as its hidden set-up gives
    them."""
    return {
        "__name__": "__main__",
        "__builtins__": __builtins__,
        "add_to_class": add_to_class,
        "glue": glue,
        "get_ipython": get_ipython,  # a builtin in Jupyter
    }


def start(emit):
    """Get the namespace the cells share ready (the worker has put the
    chapter's package on sys.path); `emit` takes what cells show."""
    global _emit
    _emit = emit
    install_modules()
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    namespace.clear()
    namespace.update(fresh_names())


FRAMES_SHOWN = 100  # of a traceback, the outermost (the cell's line first)


def report(error, skip_frames=1):
    """An error as Jupyter shows it: the traceback of the cell's code
    (without this module's frames)."""
    tb = error.__traceback__
    for _ in range(skip_frames):
        if tb is not None:
            tb = tb.tb_next
    depth = 0
    inner = tb
    while inner is not None and depth <= FRAMES_SHOWN:
        depth, inner = depth + 1, inner.tb_next
    lines = traceback.format_exception(type(error), error, tb, limit=FRAMES_SHOWN)
    if depth > FRAMES_SHOWN:  # a runaway recursion: a million frames take minutes
        lines.insert(-1, f"  ... (more frames: the traceback shows the first {FRAMES_SHOWN})\n")
    send(
        {
            "type": "error",
            "ename": type(error).__name__,
            "evalue": str(error),
            "traceback": "".join(lines),
        }
    )


def missing_names(code):
    """What `code` reads that Python does not have yet, as JSON: {"names":
    the names it reads (see cell_names) that neither the cells run so far
    nor the builtins define, "attributes": the attributes it reads that
    no class of the page's has (`x.cube()` before the cell that adds
    `cube` to Value)}. The page runs the cells above that define them
    first. Nothing for code that does not parse (running it says why)."""
    from .cell_names import attributes, cell_names  # type: ignore[import-not-found]

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return json.dumps({"names": [], "attributes": []})
    _, needed = cell_names(tree)
    absent = [name for name in needed if name not in namespace and not hasattr(builtins, name)]
    classes = [value for value in namespace.values() if isinstance(value, type)]
    unknown = [a for a in attributes(tree) if not any(hasattr(c, a) for c in classes)]
    return json.dumps({"names": sorted(absent), "attributes": sorted(unknown)})


def run_cell(name, code, scope=namespace):
    """Run a cell's code in `scope` (the page's names); show the value of
    its last line if that is an expression (not ended by `;`). True if it
    ran without an error. `name` is what the page calls the cell, its
    count ("[3]"): tracebacks say `<cell [3]>`, as the page shows the
    count beside the cell."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        tree = ast.parse(code, filename)
    except SyntaxError as error:
        report(error, skip_frames=99)
        return False
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    try:
        exec(compile(tree, filename, "exec"), scope)
        if last is not None:
            value = eval(compile(last, filename, "eval"), scope)
            if value is not None:
                scope["_"] = value
                send({"type": "result", "data": bundle(value)})
    except BaseException as error:
        report(error)
        return False
    finally:
        show_figures()
    return True


def show_figures():
    """What the cell drew with pyplot, as Jupyter's inline backend shows
    it: each figure, once, under the cell (even if the cell failed later)."""
    from .pyplot import take_figures

    for figure in take_figures():
        send({"type": "display", "data": bundle(figure), "display_id": None})


def _package_modules():
    return {name for name in sys.modules if name.split(".")[0] == "micrograd"}


def check(checks, before=(), answer=""):
    """The Check button: the reader's answer, then the exercise's checks
    (their source, from the chapter), said in words, in a state of their
    own rebuilt from the chapter's code as it was before the exercise:
    `before`, the book's cells that the checks need (bookbuild/live.py,
    `prelude`), run quietly in fresh names over a fresh import of the
    chapter's package. Nothing the page's cells did (the book's solution,
    an earlier attempt, a class changed with add_to_class) can make an
    empty or wrong answer pass, and the page's names are left alone."""
    # Shipped beside this file from bookbuild/check_runner.py (live.py).
    from .check_runner import report as in_words  # type: ignore[import-not-found]
    from .check_runner import run_checks

    global _emit
    pages = {name: sys.modules.pop(name) for name in _package_modules()}
    shown = _emit
    heard: list[str] = []
    scope = fresh_names()
    try:
        _emit = heard.append
        for index, source in enumerate(before):
            if not run_cell(f"book {index + 1}", source, scope):
                _emit = shown
                print("Cannot check: the book's code above the exercise failed here:")
                for text in heard:
                    if json.loads(text)["type"] == "error":
                        shown(text)
                return False
        _emit = shown
        run_cell("your answer", answer, scope)
        print(in_words(run_checks(checks, scope)))
    finally:
        _emit = shown
        for name in _package_modules():
            del sys.modules[name]
        sys.modules.update(pages)
    return True


def draw_expression(values, expression):
    """Your own expression: the figure of what the reader typed, computed
    by the page's Value (the chapter's cells above the box made it), or
    what is wrong, in words. True if it drew."""
    from .expression import your_expression

    value_class = namespace.get("Value")
    if not isinstance(value_class, type):
        print("Cannot draw it: run the chapter's cells above the figure first.")
        return False
    figure = your_expression(values, expression, value_class)
    if figure is None:
        return False
    send({"type": "result", "data": bundle(figure)})
    return True
