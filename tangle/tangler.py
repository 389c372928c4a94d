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
comments and formatting survive. The result is data (`tangle.model`), which
`tangle.render` turns into text and `tangle.package` writes to disk. Each
problem is a `TangleError` naming the chapter and line.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import tokenize

from tangle.book import Book, Chapter, CodeCell, check_setup_cells
from tangle.errors import TangleError
from tangle.model import (
    DECORATOR,
    PACKAGE,
    Item,
    Line,
    Member,
    Module,
    Origin,
    Place,
    Placement,
    first_line,
    is_docstring,
    member_name,
)
from tangle.render import Rendered, render_module

TARGET = re.compile(r"^micrograd/(?:[A-Za-z_]\w*/)*[A-Za-z_]\w*\.py$")
# Tags that take code off the page. (`hide-input` is allowed: the code is
# folded behind a "show code" toggle, with its caption in view.)
HIDING_TAGS = ("remove-cell", "remove-input", "remove_input")


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
        places: list[Place] = []
        segments = _segments(cell, tree.body)

        for stmt, lines, gap in segments:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                _add_import(module, stmt, lines)
                continue
            if is_docstring(stmt):
                if module.docstring is not None or module.items:
                    raise TangleError(
                        f"{cell.chapter.path}:{cell.line_of(stmt.lineno)}: a bare "
                        f"string can only open a file (as its docstring); "
                        f"{target} already has code"
                    )
                module.docstring = Item("docstring", [], lines, cell, stmt)
                places.append(Place("at the top"))
                continue
            decorator = _add_to_class_decorator(cell, stmt)
            if decorator is not None:
                places.append(
                    self._add_member(module, cell, stmt, lines, decorator, replaces, defined_here)
                )
                continue
            places.append(self._add_item(module, cell, stmt, lines, replaces, defined_here, gap))

        unused = [name for name in replaces if name not in defined_here]
        if unused:
            raise TangleError(
                f"{cell.where}: the cell says `:replaces: {' '.join(unused)}`, "
                f"but does not define {', '.join(unused)}"
            )
        self.placements.append(Placement(cell, target, tuple(places), new_file=is_new))

    def _claim(
        self,
        module: Module,
        cell: CodeCell,
        key: str,
        line: int,
        replaces: list[str],
        defined_here: dict[str, int],
    ) -> bool:
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
                raise TangleError(
                    f"{here}: {key} is already defined in {module.path}, at "
                    f"{module.defined[key]}. To replace that definition, "
                    f"add `:replaces: {key}` to the cell's options; otherwise "
                    f"rename one of them."
                )
            replaced = True
        else:
            if key in replaces:
                elsewhere = [
                    m.path for m in self.modules.values() if key in m.defined and m is not module
                ]
                hint = (
                    (f" (it is defined in {elsewhere[0]}; tangle the cell there)")
                    if elsewhere
                    else ""
                )
                raise TangleError(
                    f"{here}: `:replaces: {key}`, but {module.path} has no "
                    f"{key} to replace yet{hint}"
                )
            replaced = False
        module.defined[key] = Origin(cell, line)
        return replaced

    def _add_item(
        self,
        module: Module,
        cell: CodeCell,
        stmt: ast.stmt,
        lines: list[Line],
        replaces: list[str],
        defined_here: dict[str, int],
        gap: int,
    ) -> Place:
        line = cell.line_of(first_line(stmt))
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
                replaced_index = next(i for i, old in enumerate(module.items) if name in old.names)
        place = Place("after", module.items[-1].label) if module.items else Place("at the top")
        if replaced_index is not None:
            old = module.items.pop(replaced_index)
            place = Place("replaces", old.label)
            if old.kind == "class":  # its methods go with it
                prefix = f"{old.names[0]}."
                for key in [k for k in module.defined if k.startswith(prefix)]:
                    del module.defined[key]
            module.items.insert(replaced_index, item)
        else:
            module.items.append(item)
        for member in item.members:
            key = f"{item.names[0]}.{member.name}"
            if member.name and key not in module.defined:
                module.defined[key] = Origin(cell, cell.line_of(first_line(member.node)))
        return place

    def _add_member(
        self,
        module: Module,
        cell: CodeCell,
        stmt: ast.stmt,
        lines: list[Line],
        class_name: str,
        replaces: list[str],
        defined_here: dict[str, int],
    ) -> Place:
        line = cell.line_of(first_line(stmt))
        cls = module.find_class(class_name)
        if cls is None:
            elsewhere = [m.path for m in self.modules.values() if m.find_class(class_name)]
            known = [i.names[0] for i in module.items if i.kind == "class"]
            hint = (
                f"; it is defined in {elsewhere[0]}, so tangle this cell there"
                if elsewhere
                else f"; classes in {module.path} so far: {', '.join(known) if known else 'none'}"
            )
            raise TangleError(
                f"{cell.chapter.path}:{line}: @{DECORATOR}({class_name}): "
                f"class {class_name} is not defined in {module.path} by this "
                f"point of the book{hint}"
            )
        assert isinstance(cls.node, ast.ClassDef)  # find_class finds only classes
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
            return Place("replaces", stmt.name, class_name)
        named = [m.name for m in cls.members if m.name]
        cls.members.append(member)
        return (
            Place("after", named[-1], class_name) if named else Place("at the end", cls=class_name)
        )

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


def _segments(cell: CodeCell, body: list[ast.stmt]) -> list[tuple[ast.stmt, list[Line], int]]:
    """Split a cell into statements, each with its leading comments."""
    source_lines = cell.source.splitlines()
    segments = []
    previous_end = 0  # last line (1-based) taken by the previous statement
    for index, stmt in enumerate(body):
        first = first_line(stmt)
        if first <= previous_end:
            raise TangleError(
                f"{cell.chapter.path}:{cell.line_of(first)}: two statements on "
                f"one line; put each on its own line in a tangled cell"
            )
        start = previous_end + 1
        end = stmt.end_lineno or stmt.lineno
        if index == len(body) - 1:
            end = len(source_lines)  # trailing comments stay with the last one
        chunk: list[Line] = [(source_lines[i - 1], cell.line_of(i)) for i in range(start, end + 1)]
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
        if not (
            isinstance(decorator, ast.Call)
            and len(decorator.args) == 1
            and not decorator.keywords
            and isinstance(decorator.args[0], ast.Name)
        ):
            raise TangleError(
                f"{where}: write the decorator as @{DECORATOR}(ClassName), "
                f"with the class's plain name"
            )
        if position != 0:
            raise TangleError(
                f"{where}: @{DECORATOR}(...) must be the first (outermost) decorator of {stmt.name}"
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
    header = [
        entry for entry in lines if entry[1] is not None and entry[1] <= cell.line_of(header_end)
    ]
    members = []
    previous_end = cell.line_of(header_end)
    for index, member in enumerate(body):
        end = cell.line_of(member.end_lineno or member.lineno)
        if index == len(body) - 1:
            end = max(line for _, line in lines if line is not None)
        chunk = [by_line[line] for line in range(previous_end + 1, end + 1) if line in by_line]
        members.append(
            Member(
                member_name(member),
                _strip_blank(chunk),
                cell,
                member,
                min(_leading_blanks(chunk), 1),
            )
        )
        previous_end = cell.line_of(member.end_lineno or member.lineno)
    first_code = (
        next((text for text, _ in members[0].lines if text.strip()), "    ") if members else "    "
    )
    indent = first_code[: len(first_code) - len(first_code.lstrip())] or "    "
    return Item("class", names, header, cell, stmt, members, indent)


def _header_end(cell: CodeCell, stmt: ast.ClassDef) -> int:
    """The line (1-based, in the cell) of the colon that ends `class ...:`."""
    source = "\n".join(cell.source.splitlines()[stmt.lineno - 1 :]) + "\n"
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


# -- the whole book ------------------------------------------------------------


@dataclasses.dataclass
class Result:
    files: dict[str, Rendered]
    placements: list[Placement]
    # package state after each chapter that has one: (chapter, files)
    snapshots: list[tuple[Chapter, dict[str, Rendered]]]
    # the files of the apparatus (in every snapshot)
    apparatus: frozenset[str] = frozenset()

    def snapshot_before(self, chapter: Chapter) -> tuple[Chapter, dict[str, Rendered]] | None:
        """The package as the chapters before `chapter` left it, if any."""
        previous = None
        for owner, files in self.snapshots:
            if owner is chapter:
                return previous
            previous = (owner, files)
        return None  # a chapter before the first code: there is no package yet


def tangle_book(book: Book) -> Result:
    """Tangle the whole book: the package, and its snapshot after each chapter.

    Taught code grows chapter by chapter, and a snapshot holds only what the
    chapters so far have taught. The apparatus (the code of chapters marked
    `apparatus`, the book's own machinery) is tangled first and goes into
    every snapshot whole, so that every chapter can use it.
    """
    check_setup_cells(book)
    apparatus = Tangler()
    for chapter in book.chapters:
        if chapter.apparatus:
            apparatus.apply_chapter(chapter)
    machinery = apparatus.render()
    taught = Tangler()
    snapshots: list[tuple[Chapter, dict[str, Rendered]]] = []
    for chapter in book.chapters:
        teaches = not chapter.apparatus and any("tangle" in c.options for c in chapter.cells)
        if teaches:
            taught.apply_chapter(chapter)
            files = _with_apparatus(taught, apparatus, machinery)
            _check_package(chapter, files)
            snapshots.append((chapter, files))
        elif snapshots:
            snapshots.append((chapter, snapshots[-1][1]))
    order = {chapter.path: index for index, chapter in enumerate(book.chapters)}
    placements = sorted(
        taught.placements + apparatus.placements,
        key=lambda p: (order[p.cell.chapter.path], p.cell.fence_line),
    )
    return Result(
        _with_apparatus(taught, apparatus, machinery), placements, snapshots, frozenset(machinery)
    )


def _with_apparatus(
    taught: Tangler, apparatus: Tangler, machinery: dict[str, Rendered]
) -> dict[str, Rendered]:
    """The taught files so far and the whole apparatus, which must not share
    a file: a snapshot could not hold a file that is half taught."""
    files = taught.render()
    for path in sorted(set(files) & set(machinery)):
        lesson = next(p.cell for p in taught.placements if p.target == path)
        machine = next(p.cell for p in apparatus.placements if p.target == path)
        raise TangleError(
            f"{machine.where}: {path} is taught code (from {lesson.where}), "
            f"but this cell of an apparatus chapter tangles into it too; the "
            f"apparatus goes into files of its own, so tangle it into another "
            f"file of the package"
        )
    return dict(sorted({**files, **machinery}.items()))


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
