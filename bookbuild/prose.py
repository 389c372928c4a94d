"""Mistakes in the prose that the build catches, before a reader does.

Each is a warning with the chapter and line, so the build (run with -W)
stops on it:

- A sentence that ends with a colon leads into something: code, an output,
  a list, an equation, a table, a figure. Not into a heading or the end of a
  section, as it does when what followed it is hidden. Checked on the page
  and on paper, which differ: paper prints what the site folds, and shows a
  figure as its still.
- A chapter named in the prose, as *the chapter Title* with the title in
  italics, exists (its title, or the part of it before a colon).
- A number an output of the page shows (a decimal with three significant
  digits or more, as printed) is not typed into the prose by hand: it is
  glued from the code, so that text and output cannot drift apart. A
  number the page's code is given (the lecture's bias) is an input, not a
  result, and a formula worked out by hand is mathematics: both may be
  typed.

Kinds of mistake that need judgement rather than a rule (a word of
exactness without an assert behind it, two chapters quoting one
measurement) are left to the audit; a number another chapter measured is
quoted with a cross-chapter glue (CONTRIBUTING.md).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# `the chapter *A neuron*`, `chapter *Why is it slow?*`
CHAPTER_NAMED = re.compile(r"\b[Cc]hapter \*([^*`]+)\*")


def colon_into_nothing(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Warn about a paragraph that ends with a colon and is followed by
    nothing, or by the next section."""
    for paragraph in doctree.findall(nodes.paragraph):
        if not paragraph.astext().rstrip().endswith(":"):
            continue
        if isinstance(paragraph.parent, nodes.list_item | nodes.definition) and (
            paragraph is not paragraph.parent.children[-1]
        ):
            continue  # the item goes on
        following = _next_element(paragraph)
        if following is None or isinstance(following, nodes.section | nodes.title):
            logger.warning(
                f"a sentence ends with a colon and leads into nothing"
                f"{' on paper' if app.builder.name == 'latex' else ''}: "
                f"{_tail(paragraph)!r}; finish it, or show what it leads into",
                location=paragraph,
            )


# A decimal as a program prints it: -0.7135, 6.0000000008, 1,234.5.
DECIMAL = re.compile(r"(?<![\w.])-?\d[\d,]*\.\d+(?![\d.]*\w)")


def _significant(number: str) -> int:
    return len(number.lstrip("-").replace(",", "").replace(".", "").lstrip("0"))


def numbers_typed_by_hand(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Warn about a decimal in the prose that an output of the page shows,
    unless it is glued."""
    shown: set[str] = set()
    given: set[str] = set()  # in the code: the number is an input, not a result
    for part in doctree.findall(nodes.Element):
        if part.get("nb_element") == "cell_code_output":
            shown.update(DECIMAL.findall(part.astext()))
        elif part.get("nb_element") == "cell_code_source":
            given.update(DECIMAL.findall(part.astext()))
    shown -= given
    for paragraph in doctree.findall(nodes.paragraph):
        if any(isinstance(a, nodes.Element) and a.get("nb_element") for a in _ancestors(paragraph)):
            continue  # in a cell's output
        for text in paragraph.findall(nodes.Text):
            if any(
                isinstance(a, nodes.literal | nodes.math) or "pasted-text" in a.get("classes", ())
                for a in _ancestors(text)
            ):
                continue  # code, a formula worked by hand, or glued
            for number in DECIMAL.findall(text.astext()):
                if _significant(number) >= 3 and number in shown:
                    logger.warning(
                        f"{number} is typed into the prose, and an output shows it: "
                        f"glue it from the code ({{glue:text}}), so that the two agree",
                        location=paragraph,
                    )


def _ancestors(node: nodes.Node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def _next_element(node: nodes.Node) -> nodes.Node | None:
    """The next sibling with something to show, climbing out of containers
    whose end `node` is (a list item's last paragraph leads into what
    follows the list)."""
    while node.parent is not None:
        siblings = node.parent.children
        for sibling in siblings[siblings.index(node) + 1 :]:
            if isinstance(sibling, nodes.comment | nodes.target | nodes.raw | nodes.Invisible):
                continue
            if isinstance(sibling, nodes.Element) and not sibling.astext().strip():
                if not any(
                    isinstance(inner, nodes.image | nodes.raw) for inner in sibling.findall()
                ):
                    continue
            return sibling
        if isinstance(node.parent, nodes.section | nodes.document | nodes.Admonition):
            return None
        node = node.parent
    return None


def _tail(paragraph: nodes.paragraph) -> str:
    text = " ".join(paragraph.astext().split())
    return text if len(text) <= 60 else "..." + text[-57:]


def chapters_named(app: Sphinx, docname: str, source: list[str]) -> None:
    """Warn about *the chapter Title* where no chapter has that title."""
    from tangle.sphinx_ext import tangled

    titles = set()
    for chapter in tangled(app).book.chapters:
        plain = chapter.title.replace("`", "")
        titles |= {plain, plain.split(":")[0].strip()}
    text = source[0]
    for match in CHAPTER_NAMED.finditer(text):
        name = " ".join(match[1].split())  # a title may wrap onto the next line
        if name not in titles:
            logger.warning(
                f"the chapter *{name}* is named, but no chapter has that title "
                f"(the titles: {', '.join(sorted(titles))})",
                location=(docname, text.count("\n", 0, match.start()) + 1),
            )


def setup(app: Sphinx) -> None:
    app.connect("source-read", chapters_named)
    app.connect("doctree-resolved", colon_into_nothing)
    app.connect("doctree-resolved", numbers_typed_by_hand)
