# micrograd, the book.
#
#   make book    set everything up, tangle, execute every chapter, build the
#                site (_build/html) and the PDF (_build/latex/micrograd-book.pdf)
#   make test    set everything up, then run the whole test suite (it builds
#                the book, site and PDF, if that is not already done)
#   make check   the fast tier, before every commit: drift, lint and format,
#                types, and the tests that need neither a build nor a browser
#
# Every target installs what it needs: system packages through apt (see
# setup/system-packages.sh), Python packages into .venv (pinned in
# setup/requirements.txt) and the browser runtime of the live pages into
# .vendor (Pyodide and Graphviz-in-WebAssembly from npm, pinned with their
# sha256 in setup/vendor.py).

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
JB := $(BIN)/jupyter-book
BUILD := _build
PDF := $(BUILD)/latex/micrograd-book.pdf
VENDOR := .vendor
JBFLAGS := -W --keep-going

# Two builds give the same book: fixed dates in PDFs, fixed hashing.
export SOURCE_DATE_EPOCH ?= 1767225600
export PYTHONHASHSEED := 0
# Quiet a harmless debugger warning that kernels print on start.
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# Everything the book is built from; the book is rebuilt when any changes.
BOOK_SOURCES := $(shell find book tangle bookbuild -type f -not -path '*/__pycache__/*' 2>/dev/null) \
	_config.yml _toc.yml pyproject.toml setup/requirements.txt

.PHONY: help book html pdf test check lint benchmark tangle tangle-check snapshots \
	serve clean lock setup vendor system-base system-book system-test

help:
	@echo "make book          build the site and the PDF (sets everything up first)"
	@echo "make test          run the whole test suite (builds the book if needed)"
	@echo "make check         the fast tier (under two minutes): make lint, and the"
	@echo "                   tests that need no build and no browser"
	@echo "make lint          drift, ruff (format and lint) and mypy: seconds"
	@echo "make benchmark     time the engines against Karpathy's micrograd and PyTorch,"
	@echo "                   and the live pages (start-up, a step in the browser)"
	@echo "make html          build only the site, incrementally (quick iteration)"
	@echo "make pdf           build the PDF (after html) and link it from the site"
	@echo "make tangle        regenerate micrograd/ from the chapters"
	@echo "make tangle-check  fail if micrograd/ differs from the chapters"
	@echo "make serve         serve the built site on http://127.0.0.1:8000"
	@echo "make lock          re-pin setup/requirements.txt from pyproject.toml"
	@echo "make clean         remove _build/, the execution cache with it (keeps .venv)"

# -- setting up --------------------------------------------------------------

system-base:
	@PYTHON=$(PYTHON) setup/system-packages.sh base
system-book:
	@PYTHON=$(PYTHON) setup/system-packages.sh book
system-test:
	@PYTHON=$(PYTHON) setup/system-packages.sh test

$(BIN)/.ready: setup/requirements.txt | system-base
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r setup/requirements.txt
	@touch $@

setup: $(BIN)/.ready

# The live pages' runtime, fetched once with npm and checked; the build copies
# it into the site (bookbuild/live.py), so nothing is fetched when a reader
# opens a page.
$(VENDOR)/vendored.json: setup/vendor.py setup/pyodide_snapshot.mjs | system-book $(BIN)/.ready
	$(PY) setup/vendor.py $(VENDOR)
	@touch $@

vendor: $(VENDOR)/vendored.json

lock:
	PYTHON=$(PYTHON) setup/lock.sh

# -- the package -------------------------------------------------------------

tangle: setup
	$(PY) -m tangle

tangle-check: setup
	$(PY) -m tangle --check

snapshots: setup
	$(PY) -m tangle --snapshots $(BUILD)/snapshots

# -- the book ----------------------------------------------------------------

# Quick iteration: only the pages that changed are rebuilt. A chapter runs
# again only when its key changes: its code cells, the package the chapters
# before it build, the kernel's set-up or the toolchain (tangle/sphinx_ext.py;
# its outputs are cached in $(BUILD)/.jupyter_cache).
# Sphinx skips copying static files when no chapter changed: copy ours.
html: setup system-book vendor tangle
	$(JB) build . --builder html $(JBFLAGS)
	cp book/_static/* $(BUILD)/html/_static/

pdf: html
	$(JB) build . --builder pdflatex $(JBFLAGS)
	cp $(PDF) $(BUILD)/html/micrograd-book.pdf

# A whole build: every page is read and written afresh, so every warning is
# seen (an incremental build would not repeat the warnings of unchanged
# pages). A chapter's outputs come from the execution cache when its key is
# unchanged, so editing prose, CSS, the live pages' JavaScript or a test runs
# no chapter again; `make clean book` runs every chapter, as CI does from a
# fresh clone.
book: $(BUILD)/.book-built
$(BUILD)/.book-built: $(BOOK_SOURCES) $(wildcard micrograd/*.py micrograd/figures/*.* micrograd/figures/player/*) \
		$(VENDOR)/vendored.json | setup system-book
	$(PY) -m tangle
	rm -rf $(BUILD)/html $(BUILD)/latex $(BUILD)/.doctrees $(BUILD)/jupyter_execute
	$(JB) build . --builder html $(JBFLAGS)
	$(JB) build . --builder pdflatex $(JBFLAGS)
	cp $(PDF) $(BUILD)/html/micrograd-book.pdf
	@touch $@
	@echo "book: site in $(BUILD)/html/index.html, PDF in $(PDF)"

# -- testing -----------------------------------------------------------------

# Two workers, one per core: most of the suite waits on a browser or a kernel.
# Each worker makes its own session fixtures (the readers' environments, the
# wheel) in its own temporary folder. `make test PYTEST_WORKERS=` runs the
# tests in one process.
PYTEST_WORKERS ?= -n 2

# The static checks (pre-commit runs them on every commit): the package is
# what the chapters make, the tooling is formatted and linted, and the types
# hold.
lint: setup
	$(PY) -m tangle --check
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# The fast tier, before every commit: the static checks, and the tests marked
# neither `build` (they read the built book, or build a small one) nor
# `browser` (Chromium); tests/conftest.py marks them by the fixtures they use.
check: lint
	$(PY) -m pytest -q $(PYTEST_WORKERS) -m "not build and not browser"

# The static checks come first, the drift check with them: `book` re-tangles,
# which would hide a hand edit of micrograd/ or a chapter change that was
# never tangled and committed.
test: lint system-test
	$(MAKE) --no-print-directory book
	$(PY) -m pytest $(PYTEST_WORKERS)

# Ours against the reference micrograd (from PyPI, in a venv of its own that
# the script creates) and PyTorch: a table of step times, bytes per node and
# depth, each engine in its own process. A few minutes; not part of `test`.
benchmark: setup
	$(PY) benchmarks/run.py
	@test -f $(BUILD)/html/_static/live/live.js || $(MAKE) --no-print-directory html
	$(PY) benchmarks/live.py

# The live pages need a web server: browsers refuse WebAssembly from file://.
serve: setup
	$(PY) -m http.server --bind 127.0.0.1 --directory $(BUILD)/html 8000

clean:
	rm -rf $(BUILD) dist build *.egg-info
