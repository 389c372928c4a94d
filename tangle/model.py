"""What the tangler builds and the renderer reads: the package as data.

A `Module` is one file of the package: its imports, and its top-level
`Item`s (classes, functions, assignments), a class holding its `Member`s.
Every line remembers the chapter line it came from, so that every message
about the package can point back into the book.
"""

from __future__ import annotations

import ast
import dataclasses

from tangle.book import CodeCell

PACKAGE = "micrograd"
DECORATOR = "add_to_class"


@dataclasses.dataclass(frozen=True)
class Origin:
    """A line of a chapter: where a piece of the package was written."""

    cell: CodeCell
    line: int

    def __str__(self) -> str:
        return f"{self.cell.chapter.path}:{self.line}"


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
    """One file of the package, as the chapters so far have made it."""

    path: str
    imports: list[tuple[str, list[Line]]] = dataclasses.field(default_factory=list)
    docstring: Item | None = None
    items: list[Item] = dataclasses.field(default_factory=list)
    chapters: list[str] = dataclasses.field(default_factory=list)
    # "Value" or "Value.__add__" -> where it is defined
    defined: dict[str, Origin] = dataclasses.field(default_factory=dict)

    def find_class(self, name: str) -> Item | None:
        for item in self.items:
            if item.kind == "class" and item.names[0] == name:
                return item
        return None


@dataclasses.dataclass(frozen=True)
class Place:
    """Where one definition of a cell lands in its file.

    `relation` is "after" or "replaces" (with `name`, what it follows or
    replaces), or "at the top" or "at the end"; `cls` is the class it goes
    into, None for the top level of the file.
    """

    relation: str
    name: str = ""
    cls: str | None = None

    @property
    def replaces(self) -> bool:
        return self.relation == "replaces"

    def __str__(self) -> str:
        scope = f"in class {self.cls}, " if self.cls else ""
        return scope + (f"{self.relation} {self.name}" if self.name else self.relation)


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a tangled cell's code lands, for the caption above the cell."""

    cell: CodeCell
    target: str
    places: tuple[Place, ...]  # one per definition, in the cell's order
    new_file: bool = False

    @property
    def where(self) -> str:
        """e.g. "in class Value, after __mul__": where the cell's code lands,
        short enough for one line above the cell."""
        if self.new_file:
            return "new file"
        if not self.places:
            return "imports, at the top"
        # New definitions that follow each other in one scope land together,
        # so the first one's place says it all; a replacement lands where the
        # old definition was, so each is named.
        kept: list[Place] = []
        previous: Place | None = None
        for place in self.places:
            if previous is None or place.replaces or previous.replaces or place.cls != previous.cls:
                kept.append(place)
            previous = place
        more = len(kept) - 1
        return str(kept[0]) + (f" (and {more} more place{'s' * (more > 1)})" if more else "")

    @property
    def caption(self) -> str:
        return f"{self.target} — {self.where}"


# -- reading statements ---------------------------------------------------------


def first_line(stmt: ast.stmt) -> int:
    """The first line of a statement, decorators included."""
    decorators = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno] + [d.lineno for d in decorators])


def is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def member_name(stmt: ast.stmt) -> str | None:
    """The name a class-body statement defines, if any."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return stmt.name
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return None
