/* micrograd, the book: the reader's edits on a live page are kept.

   live.js loads this file (after shared.js) when live mode starts. It
   gives window.bookLiveEdits:

   - Edits: the page's edited cells, saved in the browser (localStorage),
     one entry per chapter ("micrograd-book/edits/NN-slug"). An edit is
     filed under a fingerprint of the book's code of its cell, with the
     cell's place, so a reload, or switching live mode off and on, brings
     it back to the cell it was made in; an edit whose cell's book code
     has changed since (a new edition of the site) is found by its place,
     comes back too, and is flagged, so the page can say so and offer the
     book's new version. A full or switched-off storage is said once, in
     words; the edits then stay until the page is left.
   - notebookWithEdits: the chapter's notebook (the one the build writes,
     bookbuild/notebooks.py, linked from the page header), with the
     reader's code in place of the book's: cells are matched by their id
     ("code-N" is the chapter's code cell N, the page's
     data-live-cell="N"); an edited cell's book outputs go, since they
     belong to the book's code; the answers to exercises come at the end.
   - pageTools: the bar at the top of a live page: Reset page, Download
     (.ipynb) with your edits, and the switch to the plain text editor.
*/
(function () {
  'use strict';
  const {el} = window.bookLiveShared;
  const PREFIX = 'micrograd-book/edits/';

  // A fingerprint of a cell's book code: FNV-1a over its UTF-16 units,
  // twice with different offsets (64 bits, as 16 hex digits). Not secret,
  // only stable: the same code always gives the same fingerprint.
  function fingerprint(text) {
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ text.length;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      a = Math.imul(a ^ unit, 0x01000193) >>> 0;
      b = Math.imul(b ^ unit, 0x01000193 ^ 0x5bd1e995) >>> 0;
    }
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }

  const UNSAVED = 'Your browser does not let this page save your edits (its storage ' +
    'for this site is full, or switched off, as in some private windows): they ' +
    'stay while this page is open. To keep them, use "Download with your edits".';

  class Edits {
    // `chapter`: NN-slug; `sources`: the book's code of every cell of the
    // page, by place (a cell's index in the chapter, or "exercise:LABEL");
    // `warn(text)` says a problem in words.
    constructor(chapter, sources, warn) {
      this.key = PREFIX + chapter;
      this.warn = warn;
      this.problem = null;
      this.current = new Set([...sources.values()].map(fingerprint));
      this.records = this.read();
    }

    read() {
      let text = null;
      try {
        text = window.localStorage.getItem(this.key);
      } catch (error) {
        this.fail();
        return {};
      }
      try {
        const stored = JSON.parse(text || '{}');
        return stored && typeof stored.cells === 'object' && stored.cells ? stored.cells : {};
      } catch (error) {
        return {};  // not ours, or damaged: start afresh
      }
    }

    write() {
      try {
        if (Object.keys(this.records).length) {
          window.localStorage.setItem(this.key, JSON.stringify({version: 1, cells: this.records}));
        } else {
          window.localStorage.removeItem(this.key);
        }
      } catch (error) {
        this.fail();
      }
    }

    // Said once; kept (`problem`) for a page that shows it later.
    fail() {
      if (this.problem) return;
      this.problem = UNSAVED;
      this.warn(UNSAVED);
    }

    // The saved edit of the cell at `place` whose book code is `source`:
    // {code, changed} (changed: the book's code is not the one it was made
    // from), or null.
    saved(place, source) {
      const own = this.records[fingerprint(source)];
      if (own) return {code: own.code, changed: false};
      for (const [print, record] of Object.entries(this.records)) {
        if (record.place === place && !this.current.has(print)) {
          return {code: record.code, changed: true};
        }
      }
      return null;
    }

    // Keeps `code` as the edit of the cell (none, if it is the book's).
    save(place, source, code) {
      this.drop(place);
      if (code !== source) this.records[fingerprint(source)] = {place, code};
      this.write();
    }

    forget(place) {
      this.drop(place);
      this.write();
    }

    forgetAll() {
      this.records = {};
      this.write();
    }

    drop(place) {
      for (const [print, record] of Object.entries(this.records)) {
        if (record.place === place) delete this.records[print];
      }
    }
  }

  // The notebook at `url` with `edits` ([{place, code}] for the chapter's
  // cells, [{answer: "Exercise 2.2", code}] for answers) in place.
  async function notebookWithEdits(url, edits) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the notebook could not be loaded (${response.status})`);
    const notebook = await response.json();
    const byId = new Map(notebook.cells.map((cell) => [cell.id, cell]));
    let answers = 0;
    for (const edit of edits) {
      if (edit.answer) {
        answers += 1;
        notebook.cells.push(
          {cell_type: 'markdown', id: `answer-${answers}-title`, metadata: {},
           source: `Your answer to ${edit.answer}, from the live page.`},
          {cell_type: 'code', id: `answer-${answers}`, metadata: {}, source: edit.code,
           outputs: [], execution_count: null});
        continue;
      }
      const cell = byId.get(`code-${edit.place}`);
      if (!cell) {
        throw new Error(`the notebook has no cell ${edit.place}: the site is out of date`);
      }
      cell.source = edit.code;
      cell.outputs = [];
      cell.execution_count = null;
    }
    return notebook;
  }

  function saveFile(name, text) {
    const link = el('a', {download: name,
                          href: URL.createObjectURL(new Blob([text], {type: 'application/x-ipynb+json'}))});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  // The bar at the top of a live page. `actions`: resetPage(), download(),
  // plain (whether the plain editor is on) and setPlain(on).
  function pageTools(actions) {
    const button = (text, name, title, action) => {
      const b = el('button', {type: 'button', class: 'live-button', 'data-live': name, title}, text);
      b.addEventListener('click', action);
      return b;
    };
    const note = el('p', {class: 'live-note live-edits-note', 'data-live': 'edits-note',
                          role: 'status'});
    const plain = button('Plain text editor', 'plain-editor',
      'Edit the code in a plain text box (best with a screen reader) instead of the code editor',
      () => {
        const on = plain.getAttribute('aria-pressed') !== 'true';
        plain.setAttribute('aria-pressed', String(on));
        actions.setPlain(on);
      });
    plain.setAttribute('aria-pressed', String(actions.plain));
    const bar = el('div', {class: 'live-page-tools', 'data-live': 'page-tools'},
      el('div', {class: 'live-toolbar', role: 'toolbar', 'aria-label': "This page's code"},
        button('Reset page', 'reset-page', "Every cell back to the book's code",
               () => actions.resetPage()),
        button('Download with your edits (.ipynb)', 'download',
               'This chapter as a notebook, with your code in its cells',
               () => actions.download()),
        plain),
      note);
    bar.say = (text) => { note.textContent = text; };
    return bar;
  }

  window.bookLiveEdits = {Edits, fingerprint, notebookWithEdits, saveFile, pageTools};
})();
