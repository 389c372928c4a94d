"""Turn a `Module` into the text of a package file.

Each file starts with a header that names its chapters, says "do not edit",
and records a checksum of the code (so that a hand edit is recognised); each
chunk of code is preceded by a `# book/NN-slug.md § Section` pointer. The
rendered text is checked: it must compile, and folding a method into its
class must not have changed what the method means.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import sys

from tangle.book import CodeCell
from tangle.errors import TangleError
from tangle.model import (
    DECORATOR,
    PACKAGE,
    Item,
    Line,
    Module,
    Origin,
    first_line,
    is_docstring,
    member_name,
)

CHECKSUM_PREFIX = "# sha256 of the code below: "
METHODS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclasses.dataclass
class Rendered:
    """The text of one generated file, with the origin of every line."""

    path: str
    text: str
    origins: list[Origin | None]  # one per line; None for generated lines

    def origin_near(self, line: int) -> Origin | None:
        """Where line `line` (1-based) came from, or the nearest line that
        came from a chapter (a generated line, such as a blank, has none)."""
        for offset in range(len(self.origins)):
            for candidate in (line - 1 - offset, line - 1 + offset):
                if 0 <= candidate < len(self.origins):
                    origin = self.origins[candidate]
                    if origin is not None:
                        return origin
        return None

    @property
    def chapters(self) -> list[str]:
        """The chapters this file's code comes from, in book order."""
        return list(dict.fromkeys(origin.cell.chapter.path for origin in self.origins if origin))


def pointer(cell: CodeCell) -> str:
    """The comment above each chunk: chapter and section, stable under edits."""
    section = f" § {cell.section}" if cell.section else ""
    return f"# {cell.chapter.path}{section}"


def checksum(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def import_groups(imports: list[tuple[str, list[Line]]]) -> list[list[list[Line]]]:
    """The imports in the order of PEP 8 (and of ruff's isort, which checks the
    package): `__future__`, the standard library, other libraries, then the
    package itself, a blank line between groups; within a group, `import x`
    before `from x import y`, each sorted by module."""

    def place(lines: list[Line]) -> tuple[int, bool, str]:
        statement = ast.parse("\n".join(text.strip() for text, _ in lines)).body[0]
        if isinstance(statement, ast.ImportFrom):
            module = statement.module or ""
        else:
            assert isinstance(statement, ast.Import)
            module = statement.names[0].name
        top = module.partition(".")[0]
        group = (
            0
            if top == "__future__"
            else 1
            if top in sys.stdlib_module_names
            else 3
            if top == PACKAGE
            else 2
        )
        return group, isinstance(statement, ast.ImportFrom), module.lower()

    placed = sorted((place(lines), index) for index, (_, lines) in enumerate(imports))
    groups: dict[int, list[list[Line]]] = {}
    for (group, _, _), index in placed:
        groups.setdefault(group, []).append(imports[index][1])
    return [groups[group] for group in sorted(groups)]


def render_module(module: Module) -> Rendered:
    body = _Body()
    previous: CodeCell | None = None
    if module.docstring is not None:
        body.point(module.docstring.cell, "")
        body.emit(module.docstring.lines, module.docstring.cell)
        previous = module.docstring.cell
    for group in import_groups(module.imports):
        if body.lines:
            body.blank(1)
        for lines in group:
            body.emit(lines, None)
        previous = None
    item_before: Item | None = None
    for item in module.items:
        # A pointer to the chapter wherever the code changes cells; code from
        # one cell keeps the spacing it had there.
        if item.cell is not previous:
            body.blank(2 if body.lines else 0)
            body.point(item.cell, "")
        elif item.kind in ("class", "def") or (
            item_before is not None and item_before.kind in ("class", "def")
        ):
            body.blank(2)  # PEP 8: two blank lines around top-level definitions
        else:
            body.blank(item.gap)
        body.emit(item.lines, item.cell)
        previous, item_before = item.cell, item
        body.in_force[item.names[0]] = pointer(item.cell)
        for index, member in enumerate(item.members):
            if member.cell is not previous:
                body.blank(1)
                body.point(member.cell, item.names[0], item.body_indent)
            elif index > 0:
                around_method = isinstance(member.node, METHODS) or isinstance(
                    item.members[index - 1].node, METHODS
                )
                body.blank(1 if around_method else member.gap)
            body.emit(member.lines, member.cell)
            previous = member.cell
    code = "\n".join(text for text, _ in body.lines) + "\n"
    chapters = "".join(f"#     {path}\n" for path in module.chapters)
    header = (
        f"# {module.path}: generated from the book by `make tangle`.\n"
        f"# Do not edit this file; edit the chapters it comes from:\n"
        f"{chapters}"
        f"# then run `make tangle`. Each chunk below names its chapter and section.\n"
        f"{CHECKSUM_PREFIX}{checksum(code)}\n"
        f"\n"
    )
    origins: list[Origin | None] = [None] * header.count("\n")
    origins += [origin for _, origin in body.lines]
    rendered = Rendered(module.path, header + code, origins)
    _check_compiles(rendered)
    _check_faithful(module, rendered)
    return rendered


class _Body:
    """The lines of a file being rendered, each with its origin."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, Origin | None]] = []
        self.in_force = {"": ""}  # per scope: the pointer comment in force

    def emit(self, lines: list[Line], cell: CodeCell | None) -> None:
        self.lines.extend(
            (text, Origin(cell, line) if cell is not None and line is not None else None)
            for text, line in lines
        )

    def blank(self, count: int) -> None:
        self.lines.extend(("", None) for _ in range(count))

    def point(self, cell: CodeCell, scope: str, indent: str = "") -> None:
        """A pointer comment, unless the same one is already in force."""
        if self.in_force.get(scope) != pointer(cell):
            self.lines.append((indent + pointer(cell), None))
            self.in_force[scope] = pointer(cell)


def split_header(text: str) -> tuple[str | None, str]:
    """(recorded checksum, code) of a generated file; checksum None if absent."""
    head, _, code = text.partition("\n\n")
    for line in head.splitlines():
        if line.startswith(CHECKSUM_PREFIX):
            return line[len(CHECKSUM_PREFIX) :].strip(), code
    return None, text


def edited_by_hand(text: str) -> bool:
    """True if a generated file no longer matches the checksum in its header."""
    recorded, code = split_header(text)
    return recorded is None or checksum(code) != recorded


def _check_compiles(rendered: Rendered) -> None:
    try:
        compile(rendered.text, rendered.path, "exec", dont_inherit=True)
    except SyntaxError as error:  # TabError and IndentationError included
        line = error.lineno or 1
        origin = rendered.origin_near(line)
        raise TangleError(
            f"{origin or 'the chapters'}: the tangled file {rendered.path} "
            f"does not compile at its line {line}: {error.msg}"
        ) from None


def _normalised(node: ast.AST) -> str:
    """ast.dump of a definition with docstrings cleaned as Python shows them."""
    node = ast.parse(ast.unparse(node)).body[0]
    for child in ast.walk(node):
        body = getattr(child, "body", None)
        if isinstance(body, list) and body and is_docstring(body[0]):
            body[0].value.value = inspect.cleandoc(body[0].value.value)
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            child.decorator_list = [
                d
                for d in child.decorator_list
                if not (
                    isinstance(d, ast.Call)
                    and isinstance(d.func, ast.Name)
                    and d.func.id == DECORATOR
                )
            ]
    return ast.dump(node)


def _check_faithful(module: Module, rendered: Rendered) -> None:
    """Folding a method into a class must not change what it means."""
    tree = ast.parse(rendered.text)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for item in module.items:
        if item.kind != "class":
            continue
        out_members: dict[str | None, list[ast.stmt]] = {}
        for stmt in classes[item.names[0]].body:
            out_members.setdefault(member_name(stmt), []).append(stmt)
        for member in item.members:
            if member.cell is item.cell or not member.name:
                continue
            found = out_members.get(member.name, [])
            if len(found) == 1 and _normalised(found[0]) != _normalised(member.node):
                line = member.cell.line_of(first_line(member.node))
                raise TangleError(
                    f"{member.cell.chapter.path}:{line}: moving {member.name} "
                    f"into class {item.names[0]} would change its meaning "
                    f"(a multi-line string?); rewrite it so that indenting it "
                    f"does not change it"
                )
