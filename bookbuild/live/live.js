/* micrograd, the book: live pages. The chapter's code runs, and can be
   edited, in the reader's browser.

   Off by default. The page header's "Run the code" button
   ([data-live="toggle"], book/_templates/book-links.html) switches it on:
   this script reads the chapter's manifest (_static/live/NN-slug.json,
   written by bookbuild/live.py), starts a module Web Worker (worker.mjs)
   that loads Pyodide and unpacks the package as the chapters before this
   one left it, with the live pages' Python (book_live.zip), and turns each
   code cell of the page into a live cell
   ([data-live="cell"]): an editor (a plain <textarea>: Shift+Enter runs,
   Tab indents, Escape then Tab leaves it), the buttons Run, Run all above,
   Reset and Stop, and an output ([data-live="output"]) that takes the
   place of the book's. All cells of a page share one interpreter, in the
   order the reader runs them. Stop ends the worker and starts a new one:
   the only way to stop `while True: pass` in a worker.

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
   (the worker's start, pyodideMs of it Pyodide's own), firstOutputMs.
*/
(function () {
  'use strict';
  const toggle = document.querySelector('[data-live="toggle"]');
  if (!toggle) return;

  const live = {
    on: false, channel: null, manifest: null, cells: [], clickedAt: 0,
    startMs: null, firstOutputMs: null, restarts: 0, boxes: [],
  };
  window.bookLive = live;
  let banner = null;
  let manifestLoading = null;
  const scripts = new Map();  // name -> its loading (loadScript)
  let el = null;  // shared.js's, once loaded
  let Channel = null;
  const sharedLoading = loadScript('shared.js', 'bookLiveShared').then((shared) => {
    ({el, Channel} = shared);
  });

  toggle.addEventListener('click', () => (live.on ? switchOff() : switchOn()));

  function say(text, kind) {
    if (!banner) {
      banner = el('div', {class: 'live-banner', role: 'status', 'data-live': 'status'});
      const article = document.querySelector('.bd-article') || document.querySelector('main');
      article.prepend(banner);
    }
    banner.className = `live-banner live-banner-${kind || 'info'}`;
    banner.textContent = text;
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
    say('Starting Python in your browser (a few seconds)... You can already edit ' +
        'and run cells: they run once it is ready.');
    try {
      await loadManifest();
    } catch (error) {
      say(`The page's code could not be loaded (${error.message}).`, 'error');
      return;
    }
    if (!live.on) return;
    if (!makeCells()) return;
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
    live.on = false;
    toggle.setAttribute('aria-pressed', 'false');
    stopWorker();
    stopLoop();
    for (const cell of live.cells) cell.remove();
    live.cells = [];
    for (const box of live.boxes) box.remove();
    live.boxes = [];
    if (banner) banner.remove();
    banner = null;
  }

  function startWorker() {
    const channel = new Channel(scriptURL('worker.mjs'), {
      late,
      died: (error) => say(`${error}: press "Run the code" twice to start again.`, 'error'),
    });
    live.channel = channel;
    const {graphviz, package: zip} = live.manifest;
    channel.request({type: 'start', graphviz, package: zip}).then((reply) => {
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

  function restart() {
    stopWorker();
    live.restarts += 1;
    say('Stopped. The Python interpreter restarted, so what the cells defined ' +
        'is gone: run the cells above again ("Run all above") before this one.',
        'warning');
    startWorker();
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
    if (live.restarts === 0) {
      say('Python runs in your browser: edit any cell, then press Run ' +
          '(or Shift+Enter). All the cells of this page share it. ' +
          'Press "Run the code" again to go back to the book\'s page.', 'ready');
    } else {
      say('Stopped, and Python restarted: what the cells defined is gone. ' +
          'Run the cells above again ("Run all above") before this one.', 'warning');
    }
  }

  // Sends `body` to the page's worker; what it shows goes to `view` (a
  // cell, or your own expression's box). Resolves to whether it ran
  // without an error.
  async function ask(view, body) {
    if (!live.channel) return false;
    const answered = live.channel.request(body, (message) => {
      if (live.firstOutputMs === null) {
        live.firstOutputMs = performance.now() - live.clickedAt;
      }
      view.show(message);
    });
    busy();
    const reply = await answered;
    busy();
    if (reply.stopped) {
      view.show({type: 'stream', name: 'stderr',
                 text: 'Stopped: the interpreter restarted, so what the cells ' +
                       'defined is gone ("Run all above" runs them again).\n'});
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
        cell: null, jupyter: null, exercise: exercise.label, check: exercise.check,
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
      this.editor.value = code;
      this.add(this.editor, this.input, 'after');
      this.add(el('span', {id: help, class: 'live-help', hidden: ''},
        'Shift+Enter runs the cell. Tab indents; press Escape, then Tab, ' +
        'to leave the editor.'), this.editor, 'after');
      this.input.hidden = true;
      this.fit();
      let escaped = false;
      this.editor.addEventListener('input', () => this.fit());
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
      this.toolbar.append(this.stopButton);
      this.add(this.toolbar, this.editor.nextSibling, 'after');
    }

    reset() {
      this.editor.value = this.entry.source;
      this.fit();
    }

    remove() {
      if (this.entry.exercise) {  // made for live mode: it goes with it
        this.div.remove();
        return;
      }
      for (const node of this.added) node.remove();
      if (this.input) this.input.hidden = false;
      if (this.bookOutput) this.bookOutput.hidden = false;
      delete this.div.dataset.live;
    }

    // Runs `code` (the editor's, by default); resolves to true if it ran
    // without an error.
    run(code) {
      return this.send({type: 'run', name: String(this.index + 1),
                        code: code === undefined ? this.editor.value : code});
    }

    // One request whose output the cell shows (after what it shows
    // already, if `keep`).
    send(body, keep) {
      if (!live.channel) return Promise.resolve(false);
      if (this.running) return this.running;  // a second click waits for the first
      if (!keep) {
        this.outputs = [];
        this.output.replaceChildren();
      }
      if (this.bookOutput) this.bookOutput.hidden = true;
      this.output.hidden = false;
      this.div.classList.add('live-running');
      this.running = ask(this, body).then((ok) => {
        this.running = null;
        this.div.classList.remove('live-running');
        return ok;
      });
      return this.running;
    }

    // Every cell of the page above this one, in order (not the answers to
    // other exercises, which are the reader's own).
    async runAbove() {
      const above = live.cells.filter((cell) => !cell.entry.exercise && cell !== this &&
        cell.div.compareDocumentPosition(this.div) & Node.DOCUMENT_POSITION_FOLLOWING);
      for (const cell of above) {
        if (cell.entry.jupyter) continue;
        if (!await cell.run()) return false;
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
                        answer: this.editor.value});
    }

    show(message) {
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
