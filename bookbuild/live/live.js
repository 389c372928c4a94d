/* micrograd, the book: live pages. The chapter's code runs, and can be
   edited, in the reader's browser.

   Off by default. The page header's "Run the code" button
   ([data-live="toggle"], book/_templates/book-links.html) switches it on:
   this script reads the chapter's manifest (_static/live/NN-slug.json,
   written by bookbuild/live.py), starts a module Web Worker (worker.mjs)
   that loads Pyodide and unpacks the package as the chapters before this
   one left it, with the live pages' Python (book_live.zip), and turns each
   code cell of the page into a live cell
   ([data-live="cell"]): an editor (a plain <textarea> at first, then
   CodeMirror, editor.mjs, unless the reader chose the plain one:
   Shift+Enter runs, Tab indents, Escape then Tab leaves it), the buttons
   Run, Run all above, Reset and Stop, and an output ([data-live="output"])
   that takes the place of the book's. What the reader types is kept in the
   browser (edits.js), and comes back with live mode; a bar above the cells
   has Reset page, Download with your edits and the plain editor. All cells of a page share one interpreter, in the
   order the reader runs them. Stop ends the worker and starts a new one:
   the only way to stop `while True: pass` in a worker.

   Each cell says what is happening (status.js): aria-busy and a running
   mark with the seconds while it runs, then its execution count
   ([data-live="count"], "[3]", the name tracebacks give it: <cell [3]>).
   The old output stays, dimmed, until the new one replaces it. A cell
   that reads names a cell above defines, which Python does not have yet,
   runs that cell first (`needs`). Stop, or Python dying (a stack overflow,
   memory exhausted), starts a fresh worker; the banner says why and
   offers to run the cells above the stopped one, never that one itself.
   While Python starts, the banner says its stages (downloading, with
   megabytes; starting; unpacking; setting up).

   A cell that needs what the browser lacks (matplotlib, NumPy, PyTorch;
   the build decides, from the cell's code) keeps the book's output and
   says so ([data-live="jupyter"]).

   Each live cell knows its place: data-live-chapter (NN-slug) and
   data-live-cell (its index among the chapter's code cells, hidden ones
   included, as in the chapter's source). An exercise with checks (the
   manifest's "exercises") gets a cell of its own at its end, for the
   reader's answer ([data-live-exercise="LABEL"]), with a Check button
   ([data-live="check"]) that runs the reader's code, then the checks, in
   a state rebuilt from the book's cells before the exercise (the
   manifest's "before"; worker.mjs and runner.py), not the page's names,
   and shows what passed under the cell.

   A page that shows a training replay (chapter 11's loop figure) also
   gets the live Loop (loop.js, loaded beside this file): a network that
   trains in the page, in a worker of its own. See the functions under
   "the live Loop" below.

   The page talks to a worker through one request channel (`Channel`, in
   shared.js with the DOM helper `el`, both used by loop.js too; worker.mjs
   is the channel's other end): the cells, the Check button, your own
   expression and the live Loop all send requests through it.

   window.bookLive exposes the state (the tests and the benchmark read it):
   cells (each with its outputs, as the worker sent them), channel, startMs
   (the worker's start, pyodideMs of it Pyodide's own), firstOutputMs;
   editorMode ('loading', then 'code' or 'plain') and editorMs (CodeMirror
   loaded and in every cell).
*/
(function () {
  'use strict';
  const toggle = document.querySelector('[data-live="toggle"]');
  if (!toggle) return;

  const live = {
    on: false, channel: null, manifest: null, cells: [], clickedAt: 0,
    startMs: null, firstOutputMs: null, restarts: 0, boxes: [],
    count: 0,  // the last execution count given (never reset: each is one run's)
    runningView: null,  // what the request Python is running shows in
  };
  window.bookLive = live;
  let banner = null;
  let manifestLoading = null;
  const scripts = new Map();  // name -> its loading (loadScript)
  let el = null;  // shared.js's, once loaded
  let Channel = null;
  let status = null;  // status.js's: stageText, RunMark
  const sharedLoading = Promise.all([
    loadScript('shared.js', 'bookLiveShared'), loadScript('status.js', 'bookLiveStatus'),
  ]).then(([shared, said]) => {
    ({el, Channel} = shared);
    status = said;
  });
  // The reader's edits kept (edits.js) and the numbers note (numbers.js),
  // which use shared.js's `el`; the code editor is editor.mjs (below).
  const helpersLoading = sharedLoading.then(() => Promise.all([
    loadScript('edits.js', 'bookLiveEdits'), loadScript('numbers.js', 'bookLiveNumbers')]));

  toggle.addEventListener('click', () => (live.on ? switchOff() : switchOn()));

  // What the page says at its top; `more`: nodes after the text (a button).
  function say(text, kind, ...more) {
    if (!banner) {
      banner = el('div', {class: 'live-banner', role: 'status', 'data-live': 'status'});
      const article = document.querySelector('.bd-article') || document.querySelector('main');
      article.prepend(banner);
    }
    banner.className = `live-banner live-banner-${kind || 'info'}`;
    banner.removeAttribute('aria-busy');
    banner.replaceChildren(text, ...more);
  }

  // The start's stages (status.js says them): while they last, the banner
  // is busy, so that a screen reader says the end, not every megabyte.
  function sayStage(message) {
    if (message.type !== 'stage' || live.restarts > 0) return;  // the advice stays
    const [text, done] = status.stageText(message, live.manifest.chapter);
    const bar = done === null ? [] : [el('progress', {class: 'live-progress', max: '1',
                                                     value: String(done),
                                                     'aria-label': 'Download'})];
    say(text, 'info', ...bar);
    banner.setAttribute('aria-busy', 'true');
  }

  // -- switching on and off ---------------------------------------------------

  async function switchOn() {
    await sharedLoading;
    if (location.protocol === 'file:') {
      say('Your browser refuses to run WebAssembly from a page opened as a file ' +
          '(file://), so the code cannot run here. Serve the site instead: run ' +
          '`make serve` and open http://127.0.0.1:8000/.', 'error');
      return;
    }
    live.on = true;
    live.clickedAt = performance.now();
    toggle.setAttribute('aria-pressed', 'true');
    say('Loading Python in your browser... You can already edit ' +
        'and run cells: they run once it is ready.');
    try {
      await Promise.all([loadManifest(), helpersLoading]);
    } catch (error) {
      say(`The page's code could not be loaded (${error.message}).`, 'error');
      return;
    }
    if (!live.on) return;
    live.edits = new window.bookLiveEdits.Edits(live.manifest.chapter,
      new Map(live.manifest.cells.map((cell) => [cell.cell, cell.source])),
      (text) => live.tools && live.tools.say(text));
    if (!makeCells()) return;
    showPageTools();
    startWorker();
    startLoop();
  }

  function loadManifest() {
    if (!manifestLoading) {
      manifestLoading = fetch(new URL(toggle.dataset.liveManifest, document.baseURI))
        .then((response) => {
          if (!response.ok) throw new Error(`${response.status} ${response.url}`);
          return response.json();
        })
        .then((manifest) => { live.manifest = manifest; return manifest; });
      manifestLoading.catch(() => { manifestLoading = null; });  // may be tried again
    }
    return manifestLoading;
  }

  function switchOff() {
    const kept = live.cells.length ? edited().length : 0;
    live.on = false;
    toggle.setAttribute('aria-pressed', 'false');
    stopWorker();
    stopLoop();
    for (const cell of live.cells) cell.remove();
    live.cells = [];
    for (const box of live.boxes) box.remove();
    live.boxes = [];
    if (live.tools) live.tools.remove();
    live.tools = live.numbersNote = null;
    if (banner) banner.remove();
    banner = null;
    // The book's page again; the reader's edits are not lost: say so.
    if (kept && !live.edits.problem) {
      say(`Your edits to ${kept === 1 ? 'one cell' : `${kept} cells`} are kept in this ` +
          'browser: press "Run the code" to have them back.');
    }
  }

  function startWorker() {
    const channel = new Channel(scriptURL('worker.mjs'), {
      late,
      died: (error) => {
        if (live.channel === channel) crashed(live.runningView, `${error}`);
      },
    });
    live.channel = channel;
    const {graphviz, package: zip} = live.manifest;
    channel.request({type: 'start', graphviz, package: zip}, sayStage).then((reply) => {
      if (reply.stopped) return;
      if (!reply.ok) {
        say(`Python could not start: ${reply.error}`, 'error');
        return;
      }
      ready(reply);
    });
  }

  function stopWorker() {
    if (live.channel) live.channel.close('stopped');
    live.channel = null;
    busy();
  }

  // Stop: the worker ends (the only way to stop `while True: pass`) and a
  // fresh one starts. The cell that was running is marked stopped: the
  // advice, and "Run all above" on any cell, never run it again (only its
  // own Run does).
  function restart() {
    const stopped = live.runningView;
    if (stopped && stopped.mark) stopped.stopped = true;
    stopWorker();
    live.restarts += 1;
    sayAdvice(`Stopped${stopped && stopped.mark ? ` cell ${stopped.label()}` : ''}. ` +
              'Python restarted, so what the cells defined is gone.', 'warning', stopped);
    startWorker();
  }

  // Python itself died while `view` ran (a stack overflow, memory
  // exhausted, a WebAssembly trap): say so, in words, and start a fresh one.
  function crashed(view, why) {
    const cell = view && view.mark ? view : null;
    if (cell) cell.stopped = true;
    stopWorker();
    live.restarts += 1;
    sayAdvice(`Python crashed${cell ? ` while running cell ${cell.label()}` : ''}: ` +
              `${why}. A fresh Python is starting; what the cells defined is gone.`,
              'error', cell);
    startWorker();
  }

  // What to do after a restart: run the cells above the one that stopped
  // (not it: it would stop again), with a button that does exactly that.
  // Said again, with "ready", once the fresh Python is.
  function sayAdvice(text, kind, cell) {
    const more = [];
    if (cell && cell.mark) {
      const go = el('button', {type: 'button', class: 'live-button live-banner-action',
                               'data-live': 'run-above-stopped'},
                    `Run the cells above cell ${cell.label()}`);
      go.addEventListener('click', () => cell.runAbove());
      more.push(' ', go, ' (not that cell itself: fix it, then press its own Run).');
    }
    live.advice = (ready) => say(ready ? `${text} The fresh Python is ready.` : text,
                                 kind, ...more);
    live.advice(false);
  }

  // -- the live Loop (loop.js) -------------------------------------------------------

  // The replay the Loop goes with: a loop figure in the book's output.
  const loopReplay = document.querySelector('.cell_output .mgv[data-run]');

  // A file beside this script, in the site.
  function scriptURL(name) {
    return new URL(name, toggle.dataset.liveScript ?
      new URL(toggle.dataset.liveScript, document.baseURI) : document.baseURI);
  }

  // A script beside this one, loaded once; resolves to the global it sets.
  function loadScript(name, global) {
    if (!scripts.has(name)) {
      scripts.set(name, new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = scriptURL(name).href;
        script.onload = () => resolve(window[global]);
        script.onerror = () => reject(new Error(`${name} could not be loaded`));
        document.head.append(script);
      }));
    }
    return scripts.get(name);
  }

  function loadLoop() {
    return sharedLoading.then(() => loadScript('loop.js', 'bookLoop'));
  }

  function startLoop() {
    if (!loopReplay || !live.manifest.loop) return;
    loadLoop().then((loop) => {
      if (live.on) {
        loop.start(loopReplay, {worker: scriptURL('worker.mjs').href,
                                package: live.manifest.loop.package,
                                settings: live.manifest.loop.settings});
      }
    }).catch((error) => say(`The live Loop could not start (${error.message}).`, 'error'));
  }

  function stopLoop() {
    if (window.bookLoop) window.bookLoop.stop();
  }

  // A link that carries a set-up for the Loop (?loop=...): say so at once,
  // and offer to switch live mode on.
  if (loopReplay && new URLSearchParams(location.search).has('loop')) {
    Promise.all([loadManifest(), loadLoop()]).then(([manifest, loop]) => {
      if (!manifest.loop) return;
      loop.offer(loopReplay, manifest.loop.settings, () => {
        if (!live.on) switchOn();
      });
    }).catch(() => {});
  }

  // -- requests to the worker -------------------------------------------------------

  function ready(reply) {
    live.startMs = reply.ms;
    live.pyodideMs = reply.value.pyodideMs;
    live.startedFrom = reply.value.from;  // 'snapshot', 'kept' or 'fresh' (worker.mjs)
    if (live.restarts === 0) {
      say('Python runs in your browser: edit any cell, then press Run ' +
          '(or Shift+Enter). All the cells of this page share it. ' +
          'Press "Run the code" again to go back to the book\'s page.', 'ready');
    } else {
      live.advice(true);  // after a restart, the banner keeps its advice
    }
  }

  // Sends `body` to the page's worker; what it shows goes to `view` (a
  // cell, or your own expression's box). Resolves to whether it ran
  // without an error.
  async function ask(view, body) {
    const channel = live.channel;
    if (!channel) return false;
    const answered = channel.request(body, (message) => {
      if (message.type === 'begin') {
        live.runningView = view;
        if (view.mark) view.mark.running();
        return;
      }
      if (live.firstOutputMs === null) {
        live.firstOutputMs = performance.now() - live.clickedAt;
      }
      view.show(message);
    });
    busy();
    const reply = await answered;
    if (live.runningView === view) live.runningView = null;
    busy();
    if (reply.crashed) {
      view.show({type: 'stream', name: 'stderr',
                 text: `Python crashed while running this: ${reply.error}. A fresh ` +
                       'Python is starting (see the top of the page).\n'});
      if (live.channel === channel) crashed(view, reply.error);
    } else if (reply.stopped) {
      view.show({type: 'stream', name: 'stderr',
                 text: 'Stopped: Python restarted, so what the cells defined is ' +
                       'gone (the top of the page says what to run again).\n'});
    } else if (reply.error) {
      view.show({type: 'error', traceback: reply.error});
    }
    return reply.ok;
  }

  // A display updated after its request was answered (a graph drawn once
  // Graphviz has loaded): the cell that shows it takes it.
  function late(message) {
    if (message.type !== 'update') return;
    const owner = live.cells.find((cell) => cell.output && cell.output.querySelector(
      `[data-display-id="${CSS.escape(message.display_id)}"]`));
    if (owner) owner.show(message);
  }

  function busy() {
    const running = Boolean(live.channel && live.channel.busy);
    for (const cell of live.cells) {
      if (cell.stopButton) cell.stopButton.disabled = !running;
    }
  }

  // -- the cells --------------------------------------------------------------------

  function makeCells() {
    const divs = [...document.querySelectorAll('.bd-article div.cell')];
    const entries = live.manifest.cells;
    if (divs.length !== entries.length) {
      say(`This page shows ${divs.length} code cells but its code has ` +
          `${entries.length}: the site is out of date; build it again.`, 'error');
      return false;
    }
    const answers = exerciseCells();
    if (answers === null) return false;
    // The page's cells first, in order (cells[i] is the manifest's cell i),
    // then the answer cells.
    const all = divs.map((div, index) => [div, entries[index]]).concat(answers);
    live.cells = all.map(([div, entry], index) => new Cell(div, entry, index));
    makeExpressionBoxes();
    return true;
  }

  // An exercise with checks gets a cell for the reader's answer, at the end
  // of the exercise: it starts with a comment, and has a Check button.
  function exerciseCells() {
    const cells = [];
    for (const exercise of live.manifest.exercises || []) {
      const box = document.getElementById(exercise.label);
      if (!box) {
        say(`This page has no exercise ${exercise.label}: the site is out of ` +
            'date; build it again.', 'error');
        for (const [div] of cells) div.remove();
        return null;
      }
      const title = box.querySelector('.admonition-title');
      const name = title ? title.textContent.trim().split(/\s+/).slice(0, 2).join(' ')
        : 'this exercise';
      const div = el('div', {class: 'live-answer', 'data-live-exercise': exercise.label,
                             'aria-label': `Your answer to ${name}`},
                     el('div', {class: 'cell_input live-answer-input', hidden: ''}));
      box.append(div);
      cells.push([div, {
        cell: null, jupyter: null, exercise: exercise.label, check: exercise.check, name,
        source: `# Your answer to ${name}: write it here. Check runs it, with\n` +
                '# the book\'s code above the exercise, then the exercise\'s\n' +
                '# checks, and says what passed.\n',
      }]);
    }
    return cells;
  }

  class Cell {
    constructor(div, entry, index) {
      this.div = div;
      this.entry = entry;
      this.index = index;
      this.outputs = [];
      this.added = [];
      this.place = entry.exercise ? `exercise:${entry.exercise}` : entry.cell;
      this.input = div.querySelector('.cell_input');
      this.bookOutput = div.querySelector('.cell_output');
      div.dataset.live = entry.exercise ? 'answer' : 'cell';
      div.dataset.liveChapter = live.manifest.chapter;
      if (entry.cell !== null) div.dataset.liveCell = entry.cell;
      if (entry.jupyter) {
        div.dataset.live = 'jupyter';
        this.add(el('p', {class: 'live-note', 'data-live': 'jupyter-note'},
          `Runs in Jupyter only; this is the book's output. This cell needs ` +
          `${entry.jupyter}, which Python in the browser does not have: ` +
          `download the notebook to run it.`), this.input, 'before');
        return;
      }
      this.makeEditor();
      this.makeToolbar();
      this.output = el('div', {class: 'cell_output docutils container live-output',
                               'data-live': 'output', 'aria-live': 'polite', hidden: ''});
      this.add(this.output, this.toolbar, 'after');
      if (this.restored && this.restored.changed) this.flagChanged();
    }

    add(node, where, how) {
      if (!where) this.div.append(node);
      else if (how === 'before') where.before(node);
      else where.after(node);
      this.added.push(node);
    }

    makeEditor() {
      const code = this.entry.source;
      const help = `live-help-${this.index}`;
      this.editor = el('textarea', {
        class: 'live-editor', 'data-live': 'editor', spellcheck: 'false',
        autocapitalize: 'off', autocomplete: 'off', wrap: 'off',
        'aria-label': `Code of cell ${this.index + 1}, editable`,
        'aria-describedby': help,
      });
      this.restored = live.edits.saved(this.place, code);  // the reader's, kept
      this.editor.value = this.restored ? this.restored.code : code;
      this.add(this.editor, this.input, 'after');
      this.add(el('span', {id: help, class: 'live-help', hidden: ''},
        'Shift+Enter runs the cell. Tab indents; press Escape, then Tab, ' +
        'to leave the editor.'), this.editor, 'after');
      this.input.hidden = true;
      this.fit();
      let escaped = false;
      this.editor.addEventListener('input', () => {
        this.fit();
        this.changed();
      });
      this.editor.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && (event.shiftKey || event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          this.run();
        } else if (event.key === 'Tab' && !escaped && !event.altKey) {
          event.preventDefault();
          indent(this.editor, event.shiftKey);
          this.fit();
        }
        escaped = event.key === 'Escape';
      });
    }

    fit() {
      this.editor.style.height = 'auto';
      this.editor.style.height = `${this.editor.scrollHeight + 2}px`;
    }

    makeToolbar() {
      const button = (text, action, name, title) => {
        const b = el('button', {type: 'button', class: `live-button live-${name}`,
                                'data-live': name, title}, text);
        b.addEventListener('click', action);
        return b;
      };
      const n = this.index + 1;
      this.toolbar = el('div', {class: 'live-toolbar', role: 'toolbar',
                                'aria-label': `Cell ${n}`});
      this.toolbar.append(
        button('Run', () => this.run(), 'run', `Run cell ${n} (Shift+Enter)`),
        button('Run all above', () => this.runAbove(), 'run-above',
               `Run every cell above cell ${n}, in order`),
        button('Reset', () => this.reset(), 'reset', "Back to the book's code"));
      if (this.entry.check) {
        this.toolbar.append(button(this.entry.check.label || 'Check',
                                   () => this.check(), 'check', 'Check your answer'));
      }
      this.stopButton = button('Stop', () => restart(), 'stop',
                               'Stop the running code (Python restarts)');
      this.stopButton.disabled = true;
      this.mark = new status.RunMark(this.div);
      this.toolbar.append(this.stopButton, this.mark.element);
      this.add(this.toolbar, this.editor.nextSibling, 'after');
      // What ran first, for this cell's names (see `needs`).
      this.needsNote = el('p', {class: 'live-note live-needs', 'data-live': 'needs',
                                hidden: ''});
      this.add(this.needsNote, this.toolbar, 'after');
    }

    // How the page names the cell: its count, once it has one (the run
    // in progress gives it its next), else its first line.
    label() {
      const count = this.counting || this.ran;
      const code = this.editor ? this.code : this.entry.source;
      return count ? `[${count}]` : `"${code.split('\n')[0].slice(0, 40)}"`;
    }

    // The code in the editor (the code editor's, or the plain one's).
    get code() {
      return this.cm ? this.cm.value : this.editor.value;
    }

    set code(text) {
      if (this.cm) this.cm.value = text;
      this.editor.value = text;
      this.fit();
      this.changed();
    }

    changed() {
      live.edits.save(this.place, this.entry.source, this.code);
    }

    // Back to the book's code, after asking if that loses an edit; returns
    // whether it did.
    reset() {
      if (this.code !== this.entry.source && !window.confirm(
        `Put the book's code back in ${this.entry.exercise ? `your answer to ${this.entry.name}`
          : `cell ${this.index + 1}`}? Your edits to it will be lost.`)) return false;
      this.code = this.entry.source;
      this.stopped = false;
      live.edits.forget(this.place);
      this.unflag();
      return true;
    }

    // The book's code of this cell changed since the reader's edit of it
    // was saved: say so, and offer the book's new version.
    flagChanged() {
      const button = (text, name, action) => {
        const b = el('button', {type: 'button', class: 'live-button', 'data-live': name}, text);
        b.addEventListener('click', action);
        return b;
      };
      this.changedNote = el('div', {class: 'live-changed', 'data-live': 'changed', role: 'note'},
        el('p', {class: 'live-note'}, 'The book\'s code for this cell has changed since ' +
          'you edited it: below is your edit of its old code.'),
        el('div', {class: 'live-toolbar'},
          button('Use the book\'s version', 'use-book', () => this.reset()),
          button('Keep mine', 'keep-mine', () => {
            this.changed();
            this.unflag();
          })));
      this.add(this.changedNote, this.editor, 'before');
    }

    unflag() {
      if (this.changedNote) this.changedNote.remove();
      this.changedNote = null;
    }

    // The plain textarea ('plain') or CodeMirror ('code', once editor.mjs
    // has loaded) edits the cell; the code carries over.
    useEditor(mode) {
      if (mode === 'code' && !this.cm) {
        const focused = document.activeElement === this.editor;
        this.cm = live.codeEditor.codeEditor({
          code: this.editor.value, label: this.editor.getAttribute('aria-label'),
          describedBy: this.editor.getAttribute('aria-describedby'),
          run: () => this.run(), changed: () => this.changed(),
        });
        this.editor.after(this.cm.dom);
        this.added.push(this.cm.dom);
        this.editor.hidden = true;
        delete this.editor.dataset.live;  // the code editor's is the one
        if (focused) this.cm.focus();
      } else if (mode === 'plain' && this.cm) {
        this.editor.value = this.cm.value;
        this.cm.destroy();
        this.cm.dom.remove();
        this.cm = null;
        this.editor.hidden = false;
        this.editor.dataset.live = 'editor';
        this.fit();
      }
    }

    remove() {
      if (this.cm) this.cm.destroy();
      this.cm = null;
      if (this.entry.exercise) {  // made for live mode: it goes with it
        this.div.remove();
        return;
      }
      for (const node of this.added) node.remove();
      if (this.mark) this.mark.done(null, '');
      if (this.input) this.input.hidden = false;
      if (this.bookOutput) this.bookOutput.hidden = false;
      delete this.div.dataset.live;
    }

    // Runs `code` (the editor's, by default), after the cells above that
    // define what it needs (see `needs`); resolves to true if it ran
    // without an error. The reader's own Run (not `asked`, by another
    // cell) runs a stopped cell again.
    run(code, asked = false) {
      if (!asked) this.stopped = false;
      return this.send({type: 'run', code: code === undefined ? this.code : code})
        .then((ok) => {
          if (ok) noteNumbers(this);
          return ok;
        });
    }

    // One request whose output the cell shows (after what it shows
    // already, if `keep`). A second click waits for the first.
    send(body, keep) {
      if (!live.channel) return Promise.resolve(false);
      if (!this.running) {
        this.running = this.sendNow(body, keep).finally(() => { this.running = null; });
      }
      return this.running;
    }

    async sendNow(body, keep) {
      this.mark.waiting();
      if (!keep) this.keepOld();
      let count = null;
      if (body.type === 'run') {
        await this.needs(body.code);
        count = ++live.count;
        body = {...body, name: `[${count}]`};  // tracebacks say <cell [3]>
      }
      this.counting = count;
      const ok = await ask(this, body);
      this.counting = null;
      this.dropOld();
      this.output.style.minHeight = '';
      if (count !== null && this.mark.begun) this.ran = count;
      this.mark.done(count !== null && count === this.ran ? count : null,
                     this.stopped ? 'stopped' : '');
      return ok;
    }

    // The old output (the book's, or the last run's) stays, dimmed, until
    // the first of the new one replaces it, and the output keeps its
    // height until the run ends: the page does not jump.
    keepOld() {
      const old = this.output.hidden ? this.bookOutput : this.output;
      this.stale = old;
      if (!old) return;
      this.output.style.minHeight = `${old.getBoundingClientRect().height}px`;
      old.classList.add('live-stale');
    }

    dropOld() {
      const old = this.stale;
      this.stale = null;
      if (old === this.output) {
        old.classList.remove('live-stale');
        this.outputs = [];
        this.output.replaceChildren();
      } else if (old) {
        old.classList.remove('live-stale');
        old.hidden = true;
      }
      if (this.bookOutput) this.bookOutput.hidden = true;
      this.output.hidden = false;
    }

    // The names `code` reads that Python does not have yet (it asks the
    // worker) and a cell above this one defines (the manifest's
    // `defines`), and the methods it calls that no class has yet and a
    // cell above adds (`attaches`): those cells run first, in order
    // (chapter 8's show_error is in a folded cell the reader may never
    // have opened). A cell that cannot run (stopped, or Jupyter-only) is
    // named instead.
    async needs(code) {
      if (!live.channel) return;
      const reply = await live.channel.request({type: 'missing', code});
      const {names = [], attributes = []} = (reply.ok && reply.value) || {};
      const definers = new Map();
      const wanted = names.map((name) => [name, 'defines'])
        .concat(attributes.map((name) => [name, 'attaches']));
      for (const [name, how] of wanted) {
        const cell = this.definerOf(name, how);
        if (cell) definers.set(cell, [...(definers.get(cell) || []), name]);
      }
      const said = [];
      const inOrder = [...definers].sort(([a], [b]) => a.index - b.index);
      for (const [cell, names] of inOrder) {
        const what = `${names.join(', ')} (from the cell ${cell.label()})`;
        if (cell.entry.jupyter) {
          said.push(`${what} runs only in Jupyter`);
        } else if (cell.stopped) {
          said.push(`${what}: that cell was stopped; press its Run first`);
        } else if (await cell.run(undefined, true)) {
          said.push(`ran cell ${cell.label()} first, for ${names.join(', ')}`);
        } else {
          said.push(`${what}: that cell failed, see its error`);
        }
      }
      this.needsNote.hidden = !said.length;
      this.needsNote.textContent = said.length ? `This cell needs names from above: ` +
        `${said.join('; ')}.` : '';
    }

    // The last cell above this one whose book code defines `name` (`how`:
    // 'defines', or 'attaches' for a method it adds to a class).
    definerOf(name, how) {
      const above = live.cells.filter((cell) => cell.entry[how] && cell !== this &&
        cell.entry[how].includes(name) &&
        cell.div.compareDocumentPosition(this.div) & Node.DOCUMENT_POSITION_FOLLOWING);
      return above.length ? above[above.length - 1] : null;
    }

    // Every cell of the page above this one, in order (not the answers to
    // other exercises, which are the reader's own, nor a stopped cell,
    // which would stop again).
    async runAbove() {
      const above = live.cells.filter((cell) => !cell.entry.exercise && cell !== this &&
        cell.div.compareDocumentPosition(this.div) & Node.DOCUMENT_POSITION_FOLLOWING);
      for (const cell of above) {
        if (cell.entry.jupyter || cell.stopped) continue;
        if (!await cell.run(undefined, true)) return false;
      }
      return true;
    }

    // The reader's code, then the exercise's checks (their source, from
    // the manifest), which say in words what passed: in a state rebuilt
    // from the book's cells before the exercise, so that nothing the page
    // ran (the book's solution, say) can make a wrong answer pass.
    check() {
      const check = this.entry.check;
      const before = (check.before || []).map((index) => live.manifest.cells[index].source);
      return this.send({type: 'check', checks: check.checks, before,
                        answer: this.code});
    }

    show(message) {
      if (this.stale) this.dropOld();  // the first of the new output replaces the old
      this.outputs.push(message);
      const out = this.output;
      if (message.type === 'stream') {
        const last = out.lastElementChild;
        if (last && last.dataset.stream === message.name) {
          last.querySelector('pre').append(message.text);
        } else {
          out.append(textOutput(message.text, `live-${message.name}`, message.name));
        }
      } else if (message.type === 'display' || message.type === 'result') {
        const node = richOutput(message.data);
        if (message.display_id) node.dataset.displayId = message.display_id;
        out.append(node);
      } else if (message.type === 'update') {
        for (const old of document.querySelectorAll(
          `[data-display-id="${CSS.escape(message.display_id)}"]`)) {
          const node = richOutput(message.data);
          node.dataset.displayId = message.display_id;
          old.replaceWith(node);
        }
      } else if (message.type === 'error') {
        out.append(textOutput(message.traceback, 'live-error'));
      } else if (message.type === 'clear') {
        out.replaceChildren();
      }
    }
  }

  // -- the page's tools, the code editor, the numbers note -----------------------------

  // The bar at the top of the page (edits.js): Reset page, Download with
  // your edits, the plain text editor.
  function showPageTools() {
    live.tools = window.bookLiveEdits.pageTools({
      resetPage, download: downloadNotebook, plain: plainChosen(),
      setPlain: (on) => {
        try {
          window.localStorage.setItem(PLAIN, on ? 'yes' : 'no');
        } catch (error) { /* the choice lasts while the page is open */ }
        useEditors();
      },
    });
    if (live.edits.problem) live.tools.say(live.edits.problem);
    if (banner && banner.isConnected) banner.after(live.tools);
    else (document.querySelector('.bd-article') || document.querySelector('main')).prepend(live.tools);
    loadCodeEditor();
  }

  function edited() {
    return live.cells.filter((cell) => cell.editor && cell.code !== cell.entry.source);
  }

  function resetPage() {
    const cells = edited();
    if (!cells.length) {
      live.tools.say('No cell of this page is edited: it shows the book\'s code.');
      return;
    }
    const what = cells.length === 1 ? 'one cell' : `${cells.length} cells`;
    if (!window.confirm(`Put the book's code back in every cell of this page? Your edits ` +
        `to ${what} will be lost (to keep them, first "Download with your edits").`)) return;
    for (const cell of cells) {
      cell.code = cell.entry.source;
      cell.unflag();
    }
    live.edits.forgetAll();
    live.tools.say(`The book's code is back in ${what}.`);
  }

  async function downloadNotebook() {
    const link = document.querySelector('.book-link-notebook');
    const cells = edited();
    try {
      if (!link) throw new Error('this page has no notebook');
      const notebook = await window.bookLiveEdits.notebookWithEdits(link.href, cells.map(
        (cell) => (cell.entry.exercise ? {answer: cell.entry.name, code: cell.code}
          : {place: cell.entry.cell, code: cell.code})));
      const name = `${live.manifest.chapter}-edited.ipynb`;
      window.bookLiveEdits.saveFile(name, `${JSON.stringify(notebook, null, 1)}\n`);
      live.tools.say(cells.length ? `Downloaded ${name}, with your edits to ${cells.length} ` +
        `cell${cells.length === 1 ? '' : 's'}.` : `Downloaded ${name}: no cell is edited, ` +
        'so it has the book\'s code.');
    } catch (error) {
      live.tools.say(`The notebook could not be made: ${error.message}.`);
    }
  }

  // The code editor: CodeMirror (editor.mjs, which imports the vendored
  // packages), unless the reader chose the plain text editor; the cells
  // start with the plain one and change once it has loaded. If it cannot
  // load, the plain editor stays.
  const PLAIN = 'micrograd-book/plain-editor';
  let editorLoading = null;

  function plainChosen() {
    try {
      return window.localStorage.getItem(PLAIN) === 'yes';
    } catch (error) {
      return false;
    }
  }

  function loadCodeEditor() {
    live.editorMode = 'loading';
    const started = performance.now();
    if (!editorLoading) editorLoading = import(scriptURL('editor.mjs').href);
    editorLoading.then((module) => {
      live.codeEditor = module;
      useEditors();
      live.editorMs = performance.now() - started;  // loaded and in the cells
    }).catch((error) => {
      editorLoading = null;
      live.editorMode = 'plain';
      if (live.tools) {
        live.tools.say(`The code editor could not be loaded (${error.message}); the ` +
                       'plain text editor works.');
      }
    });
  }

  function useEditors() {
    live.editorMode = plainChosen() || !live.codeEditor ? 'plain' : 'code';
    if (!live.on) return;
    for (const cell of live.cells) {
      if (cell.editor) cell.useEditor(live.editorMode);
    }
  }

  // The first time a run's text differs from the book's output of its cell
  // only in the last digits of a float, say why (numbers.js), under it.
  function noteNumbers(cell) {
    if (live.numbersNote || !cell.bookOutput) return;
    const book = outputText(cell.bookOutput);
    const mine = outputText(cell.output);
    if (book === null || mine === null ||
        window.bookLiveNumbers.compare(book, mine) !== 'last-digits') return;
    live.numbersNote = window.bookLiveNumbers.note();
    cell.add(live.numbersNote, cell.output, 'after');
  }

  // The text an output shows (spaces made one), or null if it shows more
  // than text (a picture, HTML) or an error.
  function outputText(node) {
    const parts = [...node.querySelectorAll('.output')];
    if (parts.some((part) => part.classList.contains('live-error') ||
        !['text_plain', 'stream'].some((kind) => part.classList.contains(kind)))) return null;
    return parts.map((part) => part.querySelector('pre').textContent).join('\n')
      .replace(/\s+/g, ' ').trim();
  }

  // -- your own expression ------------------------------------------------------
  //
  // A figure cell tagged `your-own-expression` (chapter 5's backward pass)
  // gets a box under it: values (`a = 2.0, b = -3.0`) and an expression of
  // them (`(a * b + c).tanh()`); Draw replays the forward and backward passes
  // of what the reader typed, with the same player. The work is Python's
  // (book_live/expression.py, a module of its own, so the page's names stay
  // the reader's); the Value is the page's, so the cells above the figure
  // run first, once per interpreter, to give it the chapter's `_backward`
  // rules.

  function makeExpressionBoxes() {
    const tagged = document.querySelectorAll('.bd-article div.cell.tag_your-own-expression');
    for (const div of tagged) {
      const cell = live.cells.find((c) => c.div === div);
      if (cell) live.boxes.push(new ExpressionBox(cell));
    }
  }

  const EXAMPLE = {values: 'a = 2.0, b = -3.0, c = 10.0', expression: '(a * b + c).tanh()'};

  class ExpressionBox {
    constructor(cell) {
      this.cell = cell;
      this.ready = -1;  // the interpreter (live.restarts) that has run what it needs
      const n = live.boxes.length + 1;
      const field = (name, label, value, hint) => {
        const id = `live-expression-${name}-${n}`;
        const input = el('input', {id, type: 'text', name, value, spellcheck: 'false',
                                   autocapitalize: 'off', autocomplete: 'off',
                                   class: 'live-expression-input', 'data-live': `expression-${name}`,
                                   'aria-describedby': `${id}-hint`});
        return [input, el('div', {class: 'live-expression-field'},
          el('label', {for: id}, label), input,
          el('span', {id: `${id}-hint`, class: 'live-expression-hint'}, hint))];
      };
      const [values, valuesField] = field('values', 'Values', EXAMPLE.values,
        'names and numbers, with commas between');
      const [expression, expressionField] = field('expression', 'Expression',
        EXAMPLE.expression, 'any Python expression of the values');
      this.values = values;
      this.expression = expression;
      this.button = el('button', {type: 'submit', class: 'live-button live-run',
                                  'data-live': 'expression-draw'}, 'Draw');
      const reset = el('button', {type: 'button', class: 'live-button',
                                  'data-live': 'expression-reset'}, 'Example');
      reset.addEventListener('click', () => {
        values.value = EXAMPLE.values;
        expression.value = EXAMPLE.expression;
      });
      const title = `live-expression-title-${n}`;
      this.output = el('div', {class: 'live-expression-output', 'data-live': 'expression-output',
                               'aria-live': 'polite'});
      this.outputs = [];
      this.form = el('form', {class: 'live-expression', 'data-live': 'expression',
                              'aria-labelledby': title},
        el('p', {id: title, class: 'live-expression-title'}, 'Your own expression'),
        el('p', {class: 'live-expression-help'},
          'Type numbers for a few values and an expression of them, then press ' +
          'Draw (or Enter): the figure replays its forward and backward passes ' +
          'as above, computed by this chapter\'s Value.'),
        valuesField, expressionField,
        el('div', {class: 'live-toolbar'}, this.button, reset),
        this.output);
      this.form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.draw();
      });
      cell.div.after(this.form);
    }

    remove() {
      this.form.remove();
    }

    show(message) {
      Cell.prototype.show.call(this, message);
    }

    async prepare() {
      if (this.ready === live.restarts) return true;
      const restarts = live.restarts;
      // The chapter's cells above the figure give Value its _backward rules.
      if (!await this.cell.runAbove()) return false;
      this.ready = restarts;
      return true;
    }

    async draw() {
      if (this.busy) return;
      this.busy = true;
      this.button.disabled = true;
      this.outputs = [];
      this.output.replaceChildren(el('p', {class: 'live-note'}, 'Drawing...'));
      try {
        if (!live.channel || !await this.prepare()) {
          this.output.replaceChildren(el('p', {class: 'live-note'},
            'The chapter\'s code above the figure did not run: see the error ' +
            'in its cell, then press Draw again.'));
          return;
        }
        this.output.replaceChildren();
        await ask(this, {type: 'expression', values: this.values.value,
                         expression: this.expression.value});
      } catch (error) {
        this.output.replaceChildren(el('p', {class: 'live-note'},
          `Could not draw it: ${error.message}`));
      } finally {
        this.busy = false;
        this.button.disabled = false;
      }
    }
  }

  function textOutput(text, kind, stream) {
    const node = el('div', {class: `output text_plain highlight-myst-ansi ${kind}`},
                    el('div', {class: 'highlight'}, el('pre', {}, text)));
    if (stream) node.dataset.stream = stream;
    return node;
  }

  function richOutput(data) {
    if (data['text/html'] !== undefined) {
      const node = el('div', {class: 'output text_html'});
      node.innerHTML = data['text/html'];
      // Scripts put in by innerHTML do not run: the figures' player must.
      for (const old of node.querySelectorAll('script')) {
        if (old.type && old.type !== 'text/javascript') continue;
        const script = document.createElement('script');
        script.textContent = old.textContent;
        old.replaceWith(script);
      }
      return node;
    }
    if (data['image/svg+xml'] !== undefined) {
      const node = el('div', {class: 'output image_svg live-svg'});
      node.innerHTML = data['image/svg+xml'];
      const svg = node.querySelector('svg');
      if (svg) {  // a plot says what it shows (plot_svg.py); a graph does not
        svg.setAttribute('role', 'img');
        if (!svg.hasAttribute('aria-label')) {
          svg.setAttribute('aria-label', 'A graph drawn by Graphviz');
        }
      }
      return node;
    }
    if (data['image/png'] !== undefined) {
      return el('img', {src: `data:image/png;base64,${data['image/png']}`, alt: ''});
    }
    return textOutput(data['text/plain'] || '', 'live-result');
  }

  // Tab indents the line (or every selected line) by four spaces; Shift+Tab
  // takes four away.
  function indent(editor, back) {
    const {value, selectionStart: start, selectionEnd: end} = editor;
    const first = value.lastIndexOf('\n', start - 1) + 1;
    if (!back && start === end) {
      editor.setRangeText('    ', start, end, 'end');
      return;
    }
    const block = value.slice(first, end);
    const lines = block.split('\n');
    const changed = lines.map((line) => (back ? line.replace(/^ {1,4}/, '') : `    ${line}`));
    editor.setRangeText(changed.join('\n'), first, end, 'select');
  }
})();
