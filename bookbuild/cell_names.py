"""Which names a cell of a chapter binds and which it reads: one analysis,
with `ast`, in both places that need it.

The build (bookbuild/live.py) uses it to decide which cells need what the
browser lacks, and to write in each live page's manifest the names each
cell defines. The live page's Python (shipped in book_live.zip, like
check_runner.py, and used by book_live/runner.py) uses it to find which
names a cell is about to read that no cell has defined yet, so that the
page can run the cells that define them first. Standard library only.
"""

from __future__ import annotations

import ast

SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Statements whose own bindings come before their body reads them
# (`with open(p) as f: f.read()`, `except E as e: print(e)`).
BINDS_FIRST = (ast.With, ast.AsyncWith, ast.Try, ast.For, ast.AsyncFor)


def names(node: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """(names a top-level statement binds, names it reads from outside
    when it runs, names it reads from outside only when a function it
    defines is called). A name that a function or comprehension in it
    binds for itself, such as a parameter, is its own, not read from
    outside."""
    bound: set[str] = set()
    now: set[str] = set()
    later: set[str] = set()
    local: set[str] = set()

    def visit(inner: ast.AST, nested: bool, deferred: bool) -> None:
        if isinstance(inner, ast.Name):
            if isinstance(inner.ctx, (ast.Load, ast.Del)):  # `del x` needs an x
                (later if deferred else now).add(inner.id)
            if not isinstance(inner.ctx, ast.Load):
                (local if nested else bound).add(inner.id)
        elif isinstance(inner, ast.arg):
            local.add(inner.arg)
        elif isinstance(inner, ast.ExceptHandler) and inner.name:
            (local if nested else bound).add(inner.name)
        elif isinstance(inner, (ast.Import, ast.ImportFrom)):
            (local if nested else bound).update(
                (a.asname or a.name).split(".")[0] for a in inner.names
            )
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            (local if nested else bound).add(inner.name)
        if isinstance(inner, FUNCTIONS):
            # Decorators and defaults run when the function is defined; its
            # body, when it is called.
            for part in [*getattr(inner, "decorator_list", []), inner.args]:
                visit(part, nested, deferred)
            body = inner.body if isinstance(inner.body, list) else [inner.body]
            for part in body:
                visit(part, True, True)
            return
        for child in ast.iter_child_nodes(inner):
            visit(child, nested or isinstance(inner, SCOPES), deferred)

    visit(node, False, False)
    own = local - bound
    now, later = now - own, later - own
    # A loop binds its target before its body reads it: the `rate` read in
    # `for rate in ...:` is the loop's, not an older one (loops inside
    # loops too), unless a loop's iterable reads it.
    loops = [inner for inner in ast.walk(node) if isinstance(inner, (ast.For, ast.AsyncFor))]
    if loops and not isinstance(node, SCOPES):
        targets = {n.id for loop in loops for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
        iterables = set().union(*(names(ast.Expr(loop.iter))[1] for loop in loops))
        now -= targets - iterables
    return bound, now, later


def cell_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names a cell defines, names it reads from outside): what it reads
    as it runs before defining it itself (`x = 1` then `print(x)` reads no
    outside x), and what the functions and lambdas it defines read that
    the cell does not define (they are there to be called). A star import
    binds names no one can list: what follows it reads nothing from
    outside, as far as this can tell."""
    defined: set[str] = set()
    read_now: set[str] = set()
    read_later: set[str] = set()
    starred = False
    for node in tree.body:
        bound, now, later = names(node)
        if isinstance(node, BINDS_FIRST):
            now -= bound
        if not starred:
            read_now |= now - defined
            read_later |= later
        defined |= bound
        starred = starred or "*" in bound
    defined.discard("*")
    return defined, read_now | (read_later - defined)


def added_to(decorator: ast.expr) -> str | None:
    """The class `C` of the book's decorator `@add_to_class(C)` (chapter 2),
    or None for any other decorator."""
    if (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Name)
        and decorator.func.id == "add_to_class"
        and decorator.args
        and isinstance(decorator.args[0], ast.Name)
    ):
        return decorator.args[0].id
    return None


def attached(tree: ast.Module) -> set[str]:
    """The methods a cell adds to a class with `@add_to_class(C)`: a later
    cell reads them as attributes, `x.cube()`."""
    return {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any(added_to(d) for d in node.decorator_list)
    }


def changed(tree: ast.Module) -> set[str]:
    """The names a cell changes without binding them: the class `C` it adds
    a method to with `@add_to_class(C)`, the object `x` of `x.a = ...`. For
    the cells that use them, the cells that build a class up count as
    defining it."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.update(c for c in map(added_to, node.decorator_list) if c)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
        ):
            found.add(node.value.id)
    return found


def attributes(tree: ast.Module) -> set[str]:
    """The attributes a cell reads anywhere (`x.cube()` reads cube)."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
    }
