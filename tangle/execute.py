"""Run the chapters that must run again, two at a time, before Sphinx reads them.

myst-nb runs each chapter while Sphinx reads it, one after the other, so a
fresh build waits for the chapters in turn while one of the machine's cores
idles. Here, as soon as the build starts, every chapter whose outputs are not
in the execution cache is run in a kernel of its own, as many at a time as
there are cores (at most `WORKERS`), the longest first; each result goes into
the cache exactly as myst-nb would have put it there. A chapter that times
its code and makes claims about the timings (front matter `tangle: {timed:
true}`) runs alone, before the others, so that no neighbour disturbs them. When Sphinx then reads
the chapters, myst-nb finds every one of them in the cache.

Nothing else changes: a chapter is read by myst-nb's own reader, with the key
written into its set-up line as `sphinx_ext.on_source_read` writes it, so
that the notebook is the one myst-nb builds and hashes; it runs in its own
folder, with the book's timeout; and a cell that fails stops the build with
its traceback (and `tangle.kernel`'s chapter and line, for a false claim).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Two chapters at a time: the machine the book is built on has two cores, and
# a chapter's kernel uses one.
WORKERS = 2


@dataclasses.dataclass
class Stale:
    """A chapter to run: as myst-nb reads it, and where."""

    docname: str
    path: Path
    notebook: nbformat.NotebookNode
    read_fmt: dict | None
    timed: bool  # it times its code: nothing may run beside it
    code: int  # characters of code: what a fresh clone guesses its time by


def run_chapter(notebook: dict, folder: str, timeout: int) -> tuple[dict, float, str | None]:
    """Run a chapter's notebook in a fresh kernel in `folder` (in a process
    of its own): the notebook with its outputs, the seconds it took, and the
    traceback of the cell that failed, if one did."""
    from jupyter_cache.executors.utils import single_nb_execution

    ran = nbformat.from_dict(notebook)
    result = single_nb_execution(
        ran, cwd=folder, timeout=timeout, allow_errors=False, meta_override=True
    )
    return ran, result.time, result.exc_string if result.err is not None else None


def stale_chapters(app, cache) -> list[Stale]:
    """Each chapter that has code and whose notebook, as myst-nb reads it,
    is not in the cache."""
    from myst_nb.core.read import create_nb_reader

    from tangle.sphinx_ext import tangled, with_key

    state = tangled(app)
    md_config, config = app.env.myst_config, app.env.mystnb_config  # set by myst-nb
    chapters = {chapter.docname: chapter for chapter in state.book.chapters}
    stale = []
    for docname, key in state.keys.items():
        path = Path(app.env.doc2path(docname))
        text = with_key(path.read_text(encoding="utf-8"), path.stem, key)
        reader = create_nb_reader(str(path), md_config, config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            chapter = chapters[docname]
            code = sum(len(cell.source) for cell in chapter.cells)
            stale.append(Stale(docname, path, notebook, reader.read_fmt, chapter.timed, code))
    return stale


def run_stale_chapters(app: Sphinx) -> None:
    """Run the chapters the execution cache lacks, and cache their outputs:
    first, one by one, those that time their code (their claims compare
    timings, which a neighbour would disturb); then the others, two at a
    time. See the module's docstring."""
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return
    from jupyter_cache import get_cache

    cache = get_cache(config.execution_cache_path)
    stale = stale_chapters(app, cache)
    if not stale:
        return
    # The longest first, by the time each took when it last ran; in a fresh
    # clone, which has no such times, the one with the most code first.
    took = {
        record.uri: record.data.get("execution_seconds", 0) for record in cache.list_cache_records()
    }
    stale.sort(key=lambda chapter: (-took.get(str(chapter.path), 0), -chapter.code))
    workers = max(1, min(WORKERS, os.cpu_count() or 1, len(stale)))
    logger.info(f"tangle: running {len(stale)} chapters, {workers} at a time")
    started = time.perf_counter()
    # A fresh interpreter for each worker: the build's own process holds
    # Sphinx, its threads and its open files, none of which a kernel needs.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for timed, at_once in ((True, 1), (False, workers)):
            chapters = [chapter for chapter in stale if chapter.timed == timed]
            run_and_cache(pool, chapters, at_once, cache, config.execution_timeout)
    logger.info(f"tangle: ran the chapters in {time.perf_counter() - started:.1f} s")


def run_and_cache(pool, chapters: list[Stale], at_once: int, cache, timeout: int) -> None:
    """Run `chapters` in `pool`, at most `at_once` at a time, and put each
    into the cache as it finishes; a chapter that fails stops the build."""
    from jupyter_cache.base import CacheBundleIn

    waiting = list(reversed(chapters))
    running: dict = {}
    while waiting or running:
        while waiting and len(running) < at_once:
            chapter = waiting.pop()
            folder = str(chapter.path.parent)
            running[pool.submit(run_chapter, chapter.notebook, folder, timeout)] = chapter
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            chapter = running.pop(future)
            ran, seconds, failure = future.result()
            if failure is not None:
                pool.shutdown(cancel_futures=True)
                raise ExtensionError(f"tangle: {chapter.docname}.md failed to run:\n{failure}")
            stage = cache.add_nb_to_project(str(chapter.path), read_data=chapter.read_fmt)
            cache.cache_notebook_bundle(
                CacheBundleIn(ran, stage.uri, data={"execution_seconds": seconds}),
                check_validity=False,
                overwrite=True,
            )
            alone = " (alone: it times its code)" if chapter.timed else ""
            logger.info(f"tangle: ran {chapter.docname}.md in {seconds:.1f} s{alone}")
