"""The built site: every chapter, its captions and outputs, in a real browser."""

from __future__ import annotations

import json
import re

import pytest

from conftest import open_page, page_soup
from tangle.book import Book
from tangle.tangler import Result


def numbered_chapters(book: Book) -> dict[str, int]:
    """docname -> chapter number, for the chapters of numbered parts."""
    import yaml

    toc = yaml.safe_load((book.root / "_toc.yml").read_text())
    numbers, count = {}, 0
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            if part.get("numbered"):
                count += 1
                numbers[entry["file"]] = count
    return numbers


def text_of(node) -> str:
    return " ".join(node.get_text(" ").split())


def test_every_chapter_has_a_page_with_its_title(built_site, book):
    numbered = numbered_chapters(book)
    for chapter in book.chapters:
        soup = page_soup(built_site, chapter.docname)
        h1 = soup.select_one("article h1")  # (another h1 is for printing)
        section = h1.find(class_="section-number")
        # Chapters of numbered parts are numbered as in the PDF; the preface
        # and the appendix are not.
        number = numbered.get(chapter.docname)
        expected = f"{number}. " if number else None
        assert (section.get_text() if section else None) == expected, chapter.path
        if section:
            section.extract()
        title = text_of(h1).rstrip("#").strip()
        assert title == chapter.title.replace("`", ""), chapter.path


def test_site_root_leads_to_the_first_chapter(built_site, book):
    index = (built_site / "index.html").read_text()
    assert f"{book.chapters[0].docname}.html" in index


def test_no_cell_failed_or_wrote_to_stderr(built_site, book):
    for chapter in book.chapters:
        soup = page_soup(built_site, chapter.docname)
        assert not soup.select(".output.error, .output.traceback, .output.stderr"), chapter.path
        assert "Traceback (most recent call last)" not in soup.get_text(), chapter.path


def test_every_tangled_cell_has_its_location_caption(built_site, book, tangled: Result):
    for chapter in book.chapters:
        soup = page_soup(built_site, chapter.docname)
        shown = [text_of(div) for div in soup.select("div.tangle-caption")]
        expected = [p.caption for p in tangled.placements if p.cell.chapter is chapter]
        assert shown == expected, chapter.path
        # Each caption sits right above the cell whose code it describes
        # (the code may be folded behind a "show code" toggle).
        for div in soup.select("div.tangle-caption"):
            cell = div.find_next_sibling()
            assert "cell" in cell.get("class", []), chapter.path
            assert cell.find(class_="cell_input").find("pre"), chapter.path
            if "tag_hide-input" in cell["class"]:
                assert cell.find("details").find(class_="cell_input"), chapter.path


def test_every_page_links_the_pdf_that_exists(built_site, book):
    for chapter in book.chapters:
        soup = page_soup(built_site, chapter.docname)
        link = soup.select_one("a.pdf-download-link")
        assert link is not None, chapter.path
        target = (built_site / chapter.docname).parent / link["href"]
        assert target.resolve() == (built_site / "micrograd-book.pdf").resolve()
    pdf = built_site / "micrograd-book.pdf"
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"


def test_every_picture_says_what_it_shows(built_site, book):
    """A plot or a graph is an image; its alt text, what a screen reader
    says instead, is a sentence the chapter wrote (`mystnb: image: alt:`),
    not the file's path."""
    found = 0
    for chapter in book.chapters:
        soup = page_soup(built_site, chapter.docname)
        for image in soup.select("article img"):
            if "_images/" not in image.get("src", ""):
                continue  # typeset maths: its alt is the formula
            found += 1
            alt = image.get("alt", "")
            assert "_images" not in alt and len(alt.split()) >= 8 and alt.endswith("."), (
                chapter.path,
                image["src"],
                alt,
            )
    assert found >= 28


def test_pages_carry_no_build_date_and_no_remote_assets(built_site, book):
    for chapter in book.chapters:
        html = (built_site / f"{chapter.docname}.html").read_text()
        assert "Last updated" not in html
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", html):
            assert not re.search(r"(src|href)=\"(https?:)?//", tag), (chapter.path, tag)


def test_the_books_style_sheet_closes_every_block(root):
    """An unclosed @media block would silently move every rule after it
    into that block (it once put the live Loop's layout into phones only)."""
    css = re.sub(r"/\*.*?\*/", "", (root / "book/_static/book.css").read_text(), flags=re.S)
    depth = 0
    for line_number, line in enumerate(css.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"book/_static/book.css:{line_number}: a }} closes nothing"
    assert depth == 0, f"book/_static/book.css: {depth} block(s) never closed"


def test_folded_cells_toggles_are_named_by_what_they_show(built_site, book):
    """myst-nb labels a folded cell's toggle "Toggle hidden content" while
    it shows "Show code cell source"; bookbuild/pages.py drops the label,
    so its name is the text a reader sees (and would say)."""
    folded = 0
    for chapter in book.chapters:
        soup = page_soup(built_site, chapter.docname)
        for summary in soup.select("details.hide > summary"):
            folded += 1
            assert summary.get("aria-label") is None, (chapter.path, str(summary)[:120])
            assert "Show code cell" in summary.get_text(), (chapter.path, str(summary)[:120])
    assert folded > 10  # the appendix alone folds more


# -- in a real browser -------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pages_load_offline_with_a_clean_console(browser, server, book, theme):
    for chapter in book.chapters:
        page, errors, outside = open_page(browser, f"{server}{chapter.docname}.html", server, theme)
        assert errors == [], (chapter.path, errors)
        assert outside == [], (chapter.path, outside)
        # Every figure and formula actually loaded.
        broken = page.evaluate(
            "[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.src.slice(0, 80))"
        )
        assert broken == [], (chapter.path, broken)
        page.close()


def test_site_works_from_file_urls(browser, built_site, book):
    chapter = book.chapters[-1]
    url = (built_site / f"{chapter.docname}.html").as_uri()
    page, errors, outside = open_page(browser, url, "file://")
    assert errors == [] and outside == []
    assert page.locator("h1").first.inner_text().startswith(chapter.title.split("`")[0])
    page.close()


def test_solutions_are_hidden_until_asked_for(browser, server):
    page, errors, _ = open_page(browser, f"{server}book/02-value.html", server)
    solution = page.locator(".solution").first
    body = solution.locator(".cell").first
    assert not body.is_visible()
    solution.locator(".admonition-title, summary").first.click()
    body.wait_for(state="visible")
    assert body.is_visible()
    assert errors == []
    page.close()


# -- Graphviz graphs stay legible --------------------------------------------

# For every image on a page: its natural and shown widths, and whether it is
# wider than its box and whether some box around it scrolls sideways.
MEASURE_IMAGES = """() => [...document.querySelectorAll('article img')]
  .filter(img => !img.classList.contains('math'))
  .map(img => {
    let scrolls = false;
    for (let box = img.parentElement; box && box.tagName !== 'ARTICLE';
         box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if ((overflow === 'auto' || overflow === 'scroll')
          && box.scrollWidth > box.clientWidth) { scrolls = true; break; }
    }
    return {src: new URL(img.currentSrc).pathname, natural: img.naturalWidth,
            shown: img.getBoundingClientRect().width,
            room: img.parentElement.clientWidth, scrolls: scrolls};
  })"""


def is_graphviz_image(site, path: str) -> bool:
    """Whether the built site's image at `path` (/_images/...) is a graph
    Graphviz drew (its SVG says so in a comment)."""
    file = site / path.lstrip("/")
    return file.suffix == ".svg" and b"Generated by graphviz" in file.read_bytes()[:1000]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_graphs_are_never_squeezed(browser, server, built_site, book, width):
    """Every Graphviz graph on the site is shown at 80 % of its natural width
    or more, so that its labels stay legible; one wider than its column
    scrolls sideways rather than being cut off."""
    seen, problems = 0, []
    for chapter in book.chapters:
        page, _, _ = open_page(browser, f"{server}{chapter.docname}.html", server)
        page.set_viewport_size({"width": width, "height": 900})
        # Open every solution, so that the graphs in them are laid out too.
        for title in page.locator(".solution .admonition-title").all():
            title.click()
        page.wait_for_timeout(100)
        for image in page.evaluate(MEASURE_IMAGES):
            if not is_graphviz_image(built_site, image["src"]):
                continue
            seen += 1
            shown = image["shown"] / image["natural"]
            if shown < 0.8:
                problems.append(
                    f"{chapter.path}: a graph shown at {shown:.0%} "
                    f"of its width ({image['natural']} px)"
                )
            elif image["shown"] > image["room"] + 1 and not image["scrolls"]:
                problems.append(
                    f"{chapter.path}: a graph wider than its column that does not scroll"
                )
        page.close()
    assert seen >= 10, f"only {seen} Graphviz graphs found: is the site built?"
    assert not problems, "squeezed graphs:\n" + "\n".join(problems)


def test_an_appendix_numbers_its_figures_and_exercises_with_its_letter(built_site):
    """The appendix is no numbered chapter, yet its figures and exercises
    are A.1, A.2, ... (as in print, test_pdf), not 1, 2, ... in one count
    with every other unnumbered page."""
    soup = page_soup(built_site, "book/90-how-pictures-are-made")
    numbers = [n.get_text() for n in soup.select("span.caption-number")]
    assert {n.split()[0] for n in numbers} == {"Fig.", "Exercise"}, numbers
    assert all(re.fullmatch(r"(Fig\.|Exercise) A\.\d+ ", n) for n in numbers), numbers


def test_pages_share_one_player_and_notebooks_carry_their_own(built_site, book):
    """bookbuild/player.py: every chapter page loads the package's player
    from one shared file, once, after the page is read, and no figure in a
    page carries a copy of its own; a reader's notebook keeps the copy with
    each figure, so that it works alone."""
    from micrograd.figures import player_script

    shared = built_site / "_static" / "micrograd-player.js"
    assert shared.read_text(encoding="utf-8") == player_script()
    for chapter in book.chapters:
        soup = page_soup(built_site, chapter.docname)
        loads = [s for s in soup.select("script[src]") if shared.name in s["src"]]
        assert len(loads) == 1 and loads[0].has_attr("defer"), chapter.path
        copies = [s for s in soup.select("script:not([src])") if "microgradViz" in s.get_text()]
        assert copies == [], chapter.path
    notebook = json.loads((built_site / "notebooks" / "04-neuron.ipynb").read_text())
    outputs = [o for cell in notebook["cells"] for o in cell.get("outputs", [])]
    html = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})]
    assert any(f"<script>{player_script()}</script>" in text for text in html)
