"""Turn the chapters' tangled cells into the `micrograd` package.

A code cell whose options say `:tangle: micrograd/<file>.py` contributes its
definitions to that file, in book order:

- imports are gathered (once each) at the top of the file;
- classes, functions and assignments are appended as top-level items;
- a function decorated `@add_to_class(Cls)` becomes a method of `Cls` (defined
  earlier in the same file), and the decorator is dropped;
- redefining a name needs `:replaces: Name` (or `Cls.method`); the new
  definition takes the old one's place, so the package holds only the final
  version.

Everything here works on the `ast` of each cell plus the cell's own text, so
comments and formatting survive. Each problem is a `TangleError` naming the
chapter and line.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import hashlib
import inspect
import io
import os
import re
import tokenize
from pathlib import Path

from tangle.book import Book, Chapter, CodeCell
from tangle.errors import TangleError

PACKAGE = "micrograd"
DECORATOR = "add_to_class"
TARGET = re.compile(r"^micrograd/(?:[A-Za-z_]\w*/)*[A-Za-z_]\w*\.py$")
SETUP_SCRIPT = "../tangle/setup_chapter.py"
CHECKSUM_PREFIX = "# sha256 of the code below: "
# Tags that take code off the page. (`hide-input` is allowed: the code is
# folded behind a "show code" toggle, with its caption in view.)
HIDING_TAGS = ("remove-cell", "remove-input", "remove_input")

# A line of output text and the chapter line it came from (None: generated).
Line = tuple[str, "int | None"]


@dataclasses.dataclass
class Member:
    """A statement in a class body: a method, a class attribute, a docstring."""

    name: str | None
    lines: list[Line]
    cell: CodeCell
    node: ast.stmt
    gap: int = 1  # blank lines before it when it follows code of its own cell


@dataclasses.dataclass
class Item:
    """A top-level definition in a file: a class, a function, an assignment."""

    kind: str  # "class", "def", "assign" or "docstring"
    names: list[str]
    lines: list[Line]  # for a class: the header only (decorators to the colon)
    cell: CodeCell
    node: ast.stmt
    members: list[Member] = dataclasses.field(default_factory=list)
    body_indent: str = "    "
    gap: int = 2

    @property
    def label(self) -> str:
        if self.kind == "class":
            return f"class {self.names[0]}"
        if self.kind == "def":
            return f"{self.names[0]}()"
        return ", ".join(self.names)


@dataclasses.dataclass
class Module:
    path: str
    imports: list[tuple[str, list[Line]]] = dataclasses.field(default_factory=list)
    docstring: Item | None = None
    items: list[Item] = dataclasses.field(default_factory=list)
    chapters: list[str] = dataclasses.field(default_factory=list)
    # name -> where it was defined ("Value", "Value.__add__")
    defined: dict[str, CodeCell] = dataclasses.field(default_factory=dict)
    defined_line: dict[str, int] = dataclasses.field(default_factory=dict)

    def find_class(self, name: str) -> Item | None:
        for item in self.items:
            if item.kind == "class" and item.names[0] == name:
                return item
        return None


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a tangled cell's code lands, for the caption above the cell."""

    cell: CodeCell
    target: str
    where: str  # e.g. "in class Value, after __mul__"

    @property
    def caption(self) -> str:
        return f"{self.target} — {self.where}" if self.where else self.target


@dataclasses.dataclass
class Rendered:
    """The text of one generated file, with the origin of every line."""

    path: str
    text: str
    origins: list[tuple[CodeCell | None, int | None]]  # per line, 1-based index-1


class Tangler:
    """Applies tangled cells in book order and renders the package."""

    def __init__(self) -> None:
        self.modules: dict[str, Module] = {}
        self.placements: list[Placement] = []

    # -- applying cells ----------------------------------------------------

    def apply_chapter(self, chapter: Chapter) -> None:
        for cell in chapter.cells:
            if "tangle" in cell.options:
                self.apply_cell(cell)

    def apply_cell(self, cell: CodeCell) -> None:
        target = str(cell.options["tangle"]).strip()
        hidden = [t for t in cell.tags if t in HIDING_TAGS]
        if hidden:
            raise TangleError(
                f"{cell.where}: a tangled cell cannot be tagged {hidden[0]}: "
                f"code that goes into the package must be shown to the reader"
            )
        if not TARGET.match(target):
            raise TangleError(
                f"{cell.where}: unknown tangle target {target!r}: a cell can "
                f"only tangle into the package, as `:tangle: "
                f"micrograd/<module>.py` (for example micrograd/engine.py)"
            )
        tree = _parse_cell(cell)
        is_new = target not in self.modules
        module = self.modules.setdefault(target, Module(target))
        if cell.chapter.path not in module.chapters:
            module.chapters.append(cell.chapter.path)
        replaces = _replaces(cell)
        defined_here: dict[str, int] = {}
        places: list[str] = []
        segments = _segments(cell, tree.body)

        for stmt, lines, gap in segments:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                _add_import(module, stmt, lines)
                continue
            if _is_docstring(stmt):
                if module.docstring is not None or module.items:
                    raise TangleError(
                        f"{cell.chapter.path}:{cell.line_of(stmt.lineno)}: a bare "
                        f"string can only open a file (as its docstring); "
                        f"{target} already has code"
                    )
                module.docstring = Item("docstring", [], lines, cell, stmt)
                places.append("at the top")
                continue
            decorator = _add_to_class_decorator(cell, stmt)
            if decorator is not None:
                places.append(
                    self._add_member(module, cell, stmt, lines, decorator,
                                     replaces, defined_here)
                )
                continue
            places.append(
                self._add_item(module, cell, stmt, lines, replaces, defined_here,
                               gap)
            )

        unused = [name for name in replaces if name not in defined_here]
        if unused:
            raise TangleError(
                f"{cell.where}: the cell says `:replaces: {' '.join(unused)}`, "
                f"but does not define {', '.join(unused)}"
            )
        where = "new file" if is_new else _describe(places)
        self.placements.append(Placement(cell, target, where))

    def _claim(self, module: Module, cell: CodeCell, key: str, line: int,
               replaces: list[str], defined_here: dict[str, int]) -> bool:
        """Record that `cell` defines `key`; True if it replaces an old one."""
        here = f"{cell.chapter.path}:{line}"
        if key in defined_here:
            raise TangleError(
                f"{here}: {key} is defined twice in the same cell (first at "
                f"{cell.chapter.path}:{defined_here[key]})"
            )
        defined_here[key] = line
        if key in module.defined:
            if key not in replaces:
                old = module.defined[key]
                old_line = module.defined_line[key]
                raise TangleError(
                    f"{here}: {key} is already defined in {module.path}, at "
                    f"{old.chapter.path}:{old_line}. To replace that definition, "
                    f"add `:replaces: {key}` to the cell's options; otherwise "
                    f"rename one of them."
                )
            replaced = True
        else:
            if key in replaces:
                elsewhere = [
                    m.path for m in self.modules.values()
                    if key in m.defined and m is not module
                ]
                hint = (f" (it is defined in {elsewhere[0]}; tangle the cell "
                        f"there)") if elsewhere else ""
                raise TangleError(
                    f"{here}: `:replaces: {key}`, but {module.path} has no "
                    f"{key} to replace yet{hint}"
                )
            replaced = False
        module.defined[key] = cell
        module.defined_line[key] = line
        return replaced

    def _add_item(self, module: Module, cell: CodeCell, stmt: ast.stmt,
                  lines: list[Line], replaces: list[str],
                  defined_here: dict[str, int], gap: int) -> str:
        line = cell.line_of(_first_line(stmt))
        if isinstance(stmt, ast.ClassDef):
            item = _class_item(cell, stmt, lines)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            item = Item("def", [stmt.name], lines, cell, stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            item = Item("assign", _assigned_names(cell, stmt), lines, cell, stmt)
        else:
            raise TangleError(
                f"{cell.chapter.path}:{line}: a tangled cell may only hold "
                f"imports, classes, functions and assignments, not "
                f"`{_first_source_line(lines)}` ({type(stmt).__name__}); move "
                f"it to a cell without `:tangle:`"
            )
        item.gap = min(gap, 2)
        replaced_index = None
        for name in item.names:
            if self._claim(module, cell, name, line, replaces, defined_here):
                replaced_index = next(
                    i for i, old in enumerate(module.items) if name in old.names
                )
        where = f"after {module.items[-1].label}" if module.items else "at the top"
        if replaced_index is not None:
            old = module.items.pop(replaced_index)
            where = f"replaces {old.label}"
            if old.kind == "class":  # its methods go with it
                prefix = f"{old.names[0]}."
                for key in [k for k in module.defined if k.startswith(prefix)]:
                    del module.defined[key], module.defined_line[key]
            module.items.insert(replaced_index, item)
        else:
            module.items.append(item)
        for member in item.members:
            key = f"{item.names[0]}.{member.name}"
            if member.name and key not in module.defined:
                module.defined[key] = cell
                module.defined_line[key] = cell.line_of(_first_line(member.node))
        return where

    def _add_member(self, module: Module, cell: CodeCell, stmt: ast.stmt,
                    lines: list[Line], class_name: str, replaces: list[str],
                    defined_here: dict[str, int]) -> str:
        line = cell.line_of(_first_line(stmt))
        cls = module.find_class(class_name)
        if cls is None:
            elsewhere = [m.path for m in self.modules.values() if m.find_class(class_name)]
            known = [i.names[0] for i in module.items if i.kind == "class"]
            hint = (f"; it is defined in {elsewhere[0]}, so tangle this cell "
                    f"there" if elsewhere else
                    f"; classes in {module.path} so far: "
                    f"{', '.join(known) if known else 'none'}")
            raise TangleError(
                f"{cell.chapter.path}:{line}: @{DECORATOR}({class_name}): "
                f"class {class_name} is not defined in {module.path} by this "
                f"point of the book{hint}"
            )
        if cls.node.body and cls.node.body[0].lineno == cls.node.lineno:
            raise TangleError(
                f"{cell.chapter.path}:{line}: cannot add methods to class "
                f"{class_name}: its body is on the same line as `class "
                f"{class_name}:`; put the body on its own lines"
            )
        assert isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        key = f"{class_name}.{stmt.name}"
        body = _drop_decorator(cell, stmt, lines)
        member = Member(stmt.name, _indent(body, cls.body_indent), cell, stmt)
        if self._claim(module, cell, key, line, replaces, defined_here):
            index = next(i for i, m in enumerate(cls.members) if m.name == stmt.name)
            cls.members[index] = member
            return f"in class {class_name}, replaces {stmt.name}"
        named = [m.name for m in cls.members if m.name]
        where = (f"in class {class_name}, after {named[-1]}" if named
                 else f"in class {class_name}, at the end")
        cls.members.append(member)
        return where

    # -- rendering ---------------------------------------------------------

    def render(self) -> dict[str, Rendered]:
        return {path: render_module(module) for path, module in sorted(self.modules.items())}


def _parse_cell(cell: CodeCell) -> ast.Module:
    try:
        tree = ast.parse(cell.source)
        compile(tree, cell.where, "exec", dont_inherit=True)
    except SyntaxError as error:
        line = cell.line_of(error.lineno or 1)
        raise TangleError(
            f"{cell.chapter.path}:{line}: syntax error in a tangled cell: "
            f"{error.msg}. Tangled cells must be plain Python (no %magics)."
        ) from None
    return tree


def _replaces(cell: CodeCell) -> list[str]:
    value = cell.options.get("replaces")
    if value is None:
        return []
    names = value if isinstance(value, list) else re.split(r"[,\s]+", str(value))
    names = [str(n).strip() for n in names if str(n).strip()]
    for name in names:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)?", name):
            raise TangleError(
                f"{cell.where}: `:replaces: {value}`: {name!r} is not a name; "
                f"write `Name` or `Class.method`, separated by spaces"
            )
    return names


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno] + [d.lineno for d in decorators])


def _segments(cell: CodeCell, body: list[ast.stmt]) -> list[tuple[ast.stmt, list[Line], int]]:
    """Split a cell into statements, each with its leading comments."""
    source_lines = cell.source.splitlines()
    segments = []
    previous_end = 0  # last line (1-based) taken by the previous statement
    for index, stmt in enumerate(body):
        first = _first_line(stmt)
        if first <= previous_end:
            raise TangleError(
                f"{cell.chapter.path}:{cell.line_of(first)}: two statements on "
                f"one line; put each on its own line in a tangled cell"
            )
        start = previous_end + 1
        end = stmt.end_lineno or stmt.lineno
        if index == len(body) - 1:
            end = len(source_lines)  # trailing comments stay with the last one
        chunk = [(source_lines[i - 1], cell.line_of(i)) for i in range(start, end + 1)]
        segments.append((stmt, _strip_blank(chunk), _leading_blanks(chunk)))
        previous_end = stmt.end_lineno or stmt.lineno
    return segments


def _leading_blanks(lines: list[Line]) -> int:
    count = 0
    while count < len(lines) and not lines[count][0].strip():
        count += 1
    return count


def _strip_blank(lines: list[Line]) -> list[Line]:
    start, end = 0, len(lines)
    while start < end and not lines[start][0].strip():
        start += 1
    while end > start and not lines[end - 1][0].strip():
        end -= 1
    return [(text.rstrip(), line) for text, line in lines[start:end]]


def _first_source_line(lines: list[Line]) -> str:
    for text, _ in lines:
        if text.strip() and not text.lstrip().startswith("#"):
            return text.strip()
    return lines[0][0].strip() if lines else ""


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _assigned_names(cell: CodeCell, stmt: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    names = []
    for target in targets:
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        for element in elements:
            if not isinstance(element, ast.Name):
                raise TangleError(
                    f"{cell.chapter.path}:{cell.line_of(stmt.lineno)}: a "
                    f"tangled assignment must assign to plain names, not "
                    f"`{ast.unparse(element)}`"
                )
            names.append(element.id)
    return names


def _add_import(module: Module, stmt: ast.stmt, lines: list[Line]) -> None:
    key = ast.dump(stmt)
    if all(existing != key for existing, _ in module.imports):
        module.imports.append((key, lines))


def _add_to_class_decorator(cell: CodeCell, stmt: ast.stmt) -> str | None:
    """The class name in `@add_to_class(Cls)`, or None if not decorated so."""
    decorators = getattr(stmt, "decorator_list", [])
    for position, decorator in enumerate(decorators):
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if not (isinstance(func, ast.Name) and func.id == DECORATOR):
            continue
        line = cell.line_of(decorator.lineno)
        where = f"{cell.chapter.path}:{line}"
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            raise TangleError(f"{where}: @{DECORATOR} can only decorate a function")
        if not (isinstance(decorator, ast.Call) and len(decorator.args) == 1
                and not decorator.keywords and isinstance(decorator.args[0], ast.Name)):
            raise TangleError(
                f"{where}: write the decorator as @{DECORATOR}(ClassName), "
                f"with the class's plain name"
            )
        if position != 0:
            raise TangleError(
                f"{where}: @{DECORATOR}(...) must be the first (outermost) "
                f"decorator of {stmt.name}"
            )
        return decorator.args[0].id
    return None


def _drop_decorator(cell: CodeCell, stmt: ast.stmt, lines: list[Line]) -> list[Line]:
    decorator = stmt.decorator_list[0]  # type: ignore[attr-defined]
    first = cell.line_of(decorator.lineno)
    last = cell.line_of(decorator.end_lineno or decorator.lineno)
    kept = [(text, line) for text, line in lines if line is None or not first <= line <= last]
    dropped = [text for text, line in lines if line is not None and first <= line <= last]
    if not dropped[0].lstrip().startswith("@"):
        raise TangleError(
            f"{cell.chapter.path}:{first}: put @{DECORATOR}(...) on a line of its own"
        )
    return kept


def _indent(lines: list[Line], indent: str) -> list[Line]:
    return [((indent + text) if text.strip() else "", line) for text, line in lines]


def _class_item(cell: CodeCell, stmt: ast.ClassDef, lines: list[Line]) -> Item:
    names = [stmt.name]
    by_line = {line: (text, line) for text, line in lines}
    header_end = _header_end(cell, stmt)
    body = stmt.body
    if body and body[0].lineno <= header_end:  # `class A: pass`
        return Item("class", names, lines, cell, stmt)
    header = [entry for entry in lines if entry[1] is not None and entry[1] <= cell.line_of(header_end)]
    members = []
    previous_end = cell.line_of(header_end)
    for index, member in enumerate(body):
        end = cell.line_of(member.end_lineno or member.lineno)
        if index == len(body) - 1:
            end = max(line for _, line in lines if line is not None)
        chunk = [by_line[line] for line in range(previous_end + 1, end + 1) if line in by_line]
        members.append(Member(_member_name(member), _strip_blank(chunk), cell,
                              member, min(_leading_blanks(chunk), 1)))
        previous_end = cell.line_of(member.end_lineno or member.lineno)
    first_code = next((text for text, _ in members[0].lines if text.strip()), "    ") if members else "    "
    indent = first_code[: len(first_code) - len(first_code.lstrip())] or "    "
    return Item("class", names, header, cell, stmt, members, indent)


def _header_end(cell: CodeCell, stmt: ast.ClassDef) -> int:
    """The line (1-based, in the cell) of the colon that ends `class ...:`."""
    source = "\n".join(cell.source.splitlines()[stmt.lineno - 1:]) + "\n"
    depth = 0
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.OP:
            if token.string in "([{":
                depth += 1
            elif token.string in ")]}":
                depth -= 1
            elif token.string == ":" and depth == 0:
                return stmt.lineno + token.start[0] - 1
    return stmt.lineno


def _member_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return stmt.name
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return None


def _describe(places: list[str]) -> str:
    """One phrase for where a cell's code goes, from its items' places.

    New items that follow each other in one scope land together, so the first
    one's place says it all; a replacement lands where the old definition
    was, so each is named.
    """
    if not places:
        return "imports, at the top"
    kept: list[str] = []
    previous_scope, previous_replaced = None, False
    for place in places:
        scope = place.split(",")[0] if place.startswith("in class ") else ""
        replaced = "replaces " in place
        if replaced or scope != previous_scope or previous_replaced:
            kept.append(place)
        previous_scope, previous_replaced = scope, replaced
    return "; ".join(kept)


# -- rendering ---------------------------------------------------------------


def pointer(cell: CodeCell) -> str:
    """The comment above each chunk: chapter and section, stable under edits."""
    section = f" § {cell.section}" if cell.section else ""
    return f"# {cell.chapter.path}{section}"


def render_module(module: Module) -> Rendered:
    body: list[tuple[str, CodeCell | None, int | None]] = []

    def emit(lines: list[Line], cell: CodeCell | None) -> None:
        body.extend((text, cell, line) for text, line in lines)

    def blank(count: int) -> None:
        body.extend(("", None, None) for _ in range(count))

    previous: CodeCell | None = None
    item_before: Item | None = None
    last_pointer = {"": ""}  # per scope: the pointer comment in force

    def point(cell: CodeCell, scope: str, indent: str = "") -> None:
        """A pointer comment, unless the same one is already in force."""
        if last_pointer.get(scope) != pointer(cell):
            emit([(indent + pointer(cell), None)], None)
            last_pointer[scope] = pointer(cell)

    if module.docstring is not None:
        point(module.docstring.cell, "")
        emit(module.docstring.lines, module.docstring.cell)
        previous = module.docstring.cell
    futures = [lines for key, lines in module.imports if "__future__" in key]
    others = [lines for key, lines in module.imports if "__future__" not in key]
    for group in (futures, others):
        if group:
            if body:
                blank(1)
            for lines in group:
                emit(lines, None)
            previous = None
    for item in module.items:
        # A pointer to the chapter wherever the code changes cells; code from
        # one cell keeps the spacing it had there.
        if item.cell is not previous:
            blank(2 if body else 0)
            point(item.cell, "")
        elif item.kind in ("class", "def") or (
                item_before is not None and item_before.kind in ("class", "def")):
            blank(2)  # PEP 8: two blank lines around top-level definitions
        else:
            blank(item.gap)
        emit(item.lines, item.cell)
        previous, item_before = item.cell, item
        last_pointer[item.names[0]] = pointer(item.cell)
        for index, member in enumerate(item.members):
            if member.cell is not previous:
                blank(1)
                point(member.cell, item.names[0], item.body_indent)
            elif index > 0:
                methods = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                around_method = isinstance(member.node, methods) or isinstance(
                    item.members[index - 1].node, methods)
                blank(1 if around_method else member.gap)
            emit(member.lines, member.cell)
            previous = member.cell
    code = "\n".join(text for text, _, _ in body) + "\n"
    checksum = hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]
    chapters = "".join(f"#     {path}\n" for path in module.chapters)
    header = (
        f"# {module.path}: generated from the book by `make tangle`.\n"
        f"# Do not edit this file; edit the chapters it comes from:\n"
        f"{chapters}"
        f"# then run `make tangle`. Each chunk below names its chapter and section.\n"
        f"{CHECKSUM_PREFIX}{checksum}\n"
        f"\n"
    )
    header_lines = header.count("\n")
    origins: list[tuple[CodeCell | None, int | None]] = [(None, None)] * header_lines
    origins += [(cell, line) for _, cell, line in body]
    rendered = Rendered(module.path, header + code, origins)
    _check_compiles(rendered)
    _check_faithful(module, rendered)
    return rendered


def split_header(text: str) -> tuple[str | None, str]:
    """(recorded checksum, code) of a generated file; checksum None if absent."""
    head, sep, code = text.partition("\n\n")
    for line in head.splitlines():
        if line.startswith(CHECKSUM_PREFIX):
            return line[len(CHECKSUM_PREFIX):].strip(), code
    return None, text


def edited_by_hand(text: str) -> bool:
    """True if a generated file no longer matches the checksum in its header."""
    checksum, code = split_header(text)
    if checksum is None:
        return True
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16] != checksum


def origin_of(rendered: Rendered, line: int) -> str:
    """`book/x.md:57` for output line `line` (1-based), or the nearest one."""
    for offset in range(len(rendered.origins)):
        for candidate in (line - 1 - offset, line - 1 + offset):
            if 0 <= candidate < len(rendered.origins):
                cell, source_line = rendered.origins[candidate]
                if cell is not None:
                    return f"{cell.chapter.path}:{source_line}"
    return "the chapters"


def _check_compiles(rendered: Rendered) -> None:
    try:
        compile(rendered.text, rendered.path, "exec", dont_inherit=True)
    except SyntaxError as error:  # TabError and IndentationError included
        line = error.lineno or 1
        raise TangleError(
            f"{origin_of(rendered, line)}: the tangled file {rendered.path} "
            f"does not compile at its line {line}: {error.msg}"
        ) from None


def _normalised(node: ast.AST) -> str:
    """ast.dump of a definition with docstrings cleaned as Python shows them."""
    node = ast.parse(ast.unparse(node)).body[0]
    for child in ast.walk(node):
        body = getattr(child, "body", None)
        if isinstance(body, list) and body and _is_docstring(body[0]):
            body[0].value.value = inspect.cleandoc(body[0].value.value)
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            child.decorator_list = [
                d for d in child.decorator_list
                if not (isinstance(d, ast.Call) and isinstance(d.func, ast.Name)
                        and d.func.id == DECORATOR)
            ]
    return ast.dump(node)


def _check_faithful(module: Module, rendered: Rendered) -> None:
    """Folding a method into a class must not change what it means."""
    tree = ast.parse(rendered.text)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for item in module.items:
        if item.kind != "class":
            continue
        out = classes[item.names[0]]
        out_members = {}
        for stmt in out.body:
            name = _member_name(stmt)
            out_members.setdefault(name, []).append(stmt)
        for member in item.members:
            if member.cell is item.cell or not member.name:
                continue
            found = out_members.get(member.name, [])
            if len(found) == 1 and _normalised(found[0]) != _normalised(member.node):
                line = member.cell.line_of(_first_line(member.node))
                raise TangleError(
                    f"{member.cell.chapter.path}:{line}: moving {member.name} "
                    f"into class {item.names[0]} would change its meaning "
                    f"(a multi-line string?); rewrite it so that indenting it "
                    f"does not change it"
                )


# -- the whole book ------------------------------------------------------------


@dataclasses.dataclass
class Result:
    files: dict[str, Rendered]
    placements: list[Placement]
    # package state after each chapter that has one: (chapter, files)
    snapshots: list[tuple[Chapter, dict[str, Rendered]]]

    def snapshot_before(self, chapter: Chapter) -> tuple[Chapter, dict[str, Rendered]] | None:
        """The package as the chapters before `chapter` left it, if any."""
        previous = None
        for owner, files in self.snapshots:
            if owner is chapter:
                break
            previous = (owner, files)
        return previous


def check_setup_cells(book: Book) -> None:
    """Every chapter with code starts with the hidden set-up cell."""
    for chapter in book.chapters:
        if not chapter.cells:
            continue
        first = chapter.cells[0]
        expected = f"%run {SETUP_SCRIPT} {chapter.stem}"
        if first.source.strip() != expected or "remove-cell" not in first.tags:
            raise TangleError(
                f"{first.where}: the first code cell of a chapter must be the "
                f"hidden set-up cell, which runs the chapter against the "
                f"package as the chapters before it left it:\n\n"
                f"```{{code-cell}} python\n:tags: [remove-cell]\n{expected}\n```"
            )
        for cell in chapter.cells[1:]:
            if cell.source.strip().startswith(f"%run {SETUP_SCRIPT}"):
                raise TangleError(f"{cell.where}: only the first cell may run the set-up")


def tangle_book(book: Book) -> Result:
    check_setup_cells(book)
    tangler = Tangler()
    snapshots = []
    for chapter in book.chapters:
        tangler.apply_chapter(chapter)
        if tangler.modules and any("tangle" in c.options for c in chapter.cells):
            files = tangler.render()
            _check_package(chapter, files)
            snapshots.append((chapter, files))
        elif snapshots:
            snapshots.append((chapter, snapshots[-1][1]))
    files = tangler.render()
    return Result(files, tangler.placements, snapshots)


def _check_package(chapter: Chapter, files: dict[str, Rendered]) -> None:
    init = f"{PACKAGE}/__init__.py"
    if init not in files:
        raise TangleError(
            f"{chapter.path}:1: by the end of this chapter the package has "
            f"code ({', '.join(files)}) but no {init}; tangle a cell into "
            f"{init} (a docstring is enough) in this chapter or an earlier one"
        )
    for path in files:
        parts = path.split("/")
        for depth in range(2, len(parts)):
            sub_init = "/".join(parts[:depth]) + "/__init__.py"
            if sub_init not in files:
                raise TangleError(
                    f"{chapter.path}:1: {path} is in a sub-package without "
                    f"{sub_init}; tangle a cell into {sub_init} as well"
                )


# -- writing and checking micrograd/ --------------------------------------------


def on_disk(root: Path) -> dict[str, str]:
    package = root / PACKAGE
    found = {}
    if package.is_dir():
        for path in sorted(package.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            found[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return found


def describe_drift(result: Result, root: Path) -> list[str]:
    """Human-readable problems where micrograd/ differs from the chapters."""
    problems = []
    actual = on_disk(root)
    for path, rendered in result.files.items():
        if path not in actual:
            problems.append(
                f"{path} is missing: the chapters tangle into it "
                f"({', '.join(_chapters_of(rendered))}). Run `make tangle`."
            )
            continue
        if actual[path] == rendered.text:
            continue
        problems.append(_drift_report(path, rendered, actual[path]))
    for path in sorted(set(actual) - set(result.files)):
        problems.append(
            f"{path} is not produced by any chapter. Every .py file in "
            f"{PACKAGE}/ comes from the book: delete it, or tangle its code "
            f"from a chapter."
        )
    return problems


def _chapters_of(rendered: Rendered) -> list[str]:
    seen = []
    for cell, _ in rendered.origins:
        if cell is not None and cell.chapter.path not in seen:
            seen.append(cell.chapter.path)
    return seen


def _drift_report(path: str, rendered: Rendered, actual: str) -> str:
    expected_lines = rendered.text.splitlines(keepends=True)
    actual_lines = actual.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=expected_lines, b=actual_lines, autojunk=False)
    places: list[str] = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        for line in range(i1 + 1, max(i1, i2 - 1) + 2):
            origin = origin_of(rendered, line)
            cell = _cell_at(rendered, line)
            described = origin + (f" (section \"{cell.section}\")" if cell and cell.section else "")
            if described not in places:
                places.append(described)
            break
    hand = edited_by_hand(actual)
    why = ("was edited by hand" if hand
           else "is out of date with the chapters")
    diff = "".join(difflib.unified_diff(
        expected_lines, actual_lines,
        fromfile=f"{path} (as the chapters make it)",
        tofile=f"{path} (on disk)",
    ))
    todo = ("Make the change in the chapter instead (the file is generated), "
            "then run `make tangle` to regenerate it (`python -m tangle --force` "
            "discards the hand edits)." if hand else
            "Run `make tangle` and commit the result.")
    where = "\n".join(f"    {place}" for place in places)
    return f"{path} {why}. The differing code comes from:\n{where}\n{todo}\n{diff}"


def _cell_at(rendered: Rendered, line: int) -> CodeCell | None:
    for offset in range(len(rendered.origins)):
        for candidate in (line - 1 - offset, line - 1 + offset):
            if 0 <= candidate < len(rendered.origins):
                cell = rendered.origins[candidate][0]
                if cell is not None:
                    return cell
    return None


def write_package(result: Result, root: Path, force: bool = False) -> list[str]:
    """Write micrograd/ from the chapters; returns the paths it changed.

    Refuses (unless `force`) to overwrite a file edited by hand, so that no
    edit is lost silently; the error names the chapter to edit instead.
    """
    actual = on_disk(root)
    if not force:
        for path, text in actual.items():
            expected = result.files.get(path)
            if (expected is None or text != expected.text) and edited_by_hand(text):
                if expected is None:
                    raise TangleError(
                        f"{path} is not produced by any chapter and was not "
                        f"written by the tangler; move its code into a chapter "
                        f"(or delete it), then run `make tangle` again"
                    )
                raise TangleError(_drift_report(path, expected, text))
    changed = []
    for path, rendered in result.files.items():
        if actual.get(path) != rendered.text:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered.text, encoding="utf-8")
            changed.append(path)
    for path in sorted(set(actual) - set(result.files)):
        (root / path).unlink()
        changed.append(path)
    return changed


def package_data(root: Path) -> dict[str, bytes]:
    """The package's data files: everything in micrograd/ that is not Python
    (such as micrograd/static/viz.js, the figures' JavaScript). They are
    written by hand, not tangled, and every snapshot carries them."""
    package = root / PACKAGE
    found = {}
    if package.is_dir():
        for path in sorted(package.rglob("*")):
            if (path.is_file() and path.suffix not in (".py", ".pyc")
                    and "__pycache__" not in path.parts):
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def write_snapshots(result: Result, directory: Path,
                    data: dict[str, bytes] | None = None) -> list[Path]:
    """Write the package as it stands after each chapter: DIR/<stem>/micrograd
    (with the package's data files, if given)."""
    written = []
    for chapter, files in result.snapshots:
        written.append(write_tree(directory / chapter.stem, files, data))
    return written


def write_tree(directory: Path, files: dict[str, Rendered],
               data: dict[str, bytes] | None = None) -> Path:
    """Make `directory` hold exactly `files` and the data files `data`
    (only touching what changed)."""
    wanted: dict[Path, bytes] = {
        directory / path: rendered.text.encode("utf-8")
        for path, rendered in files.items()
    }
    wanted.update({directory / path: content for path, content in (data or {}).items()})
    package = directory / PACKAGE
    if package.exists():
        for path in package.rglob("*"):
            if (path.is_file() and path not in wanted and path.suffix != ".pyc"
                    and "__pycache__" not in path.parts):
                path.unlink()
    for path, content in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != content:
            temporary = path.with_name(f"{path.name}.tmp{os.getpid()}")
            temporary.write_bytes(content)
            temporary.replace(path)
    return directory


def fingerprint(files: dict[str, Rendered]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].text.encode() + b"\0")
    return digest.hexdigest()[:16]
