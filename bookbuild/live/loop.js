/* micrograd, the book: the live Loop. In live mode, chapter 11's training
   figure gets a companion that trains a network in the page, with the
   book's own engine, while the reader watches and changes things.

   live.js loads this file (after shared.js, whose `el` and `Channel` it
   uses) on a page that shows a training replay (a loop figure of the
   player, micrograd/figures/player/) and calls
     bookLoop.offer(figure, table, switchOn)   at load: if the page's
                                   address carries a set-up (?loop=...),
                                   say so and offer to switch live mode on;
     bookLoop.start(figure, options)    when live mode goes on;
     bookLoop.stop()                    when it goes off.
   `table` (options.settings) is the Loop's settings, defined once in
   bookbuild/live/book_live/loop_settings.json and given by the chapter's
   manifest: key, label, kind, default, range, key in the address. The
   form, the address and the checks of what the reader types all come
   from it. The Loop trains in a Web Worker of its own (worker.mjs, started
   with loop: true, and the package as the chapter leaves it, data sets
   included), which runs book_live/loop.py: the page sends it "reset" and
   "step" requests through the channel, one step at a time while it runs,
   so Pause acts after at most one step and the page never waits for
   Python. It draws with the player's heatmap and curve (loop.js there).
   Step k is the network after k updates (step 0: untrained); the curves,
   the plot, its rings and the readout all show that network, so they
   agree. "Run to step" stops at exactly the step asked for (starting the
   run again from its seed when that step is behind), so the chapter's
   experiments can be repeated to the step.

   The set-up lives in the page's address, as one query parameter:
     ?loop=data:moons;n:50;noise:0.1;seed:1337;hidden:8,8;act:relu;
           lr:0.3;l2:0.0001;add:0.52,0.31,1_-0.4,0.2,-1;remove:3,17
   (one line; `add` lists the points added, x,y,label; `remove` the indices
   of the generated points removed; keys left out take the defaults).
   Opening such a link restores the set-up.

   window.bookLoop.state holds what the tests read: settings, losses,
   accuracies, the points, the step, msPerStep (and stepMs, each step's
   time in the worker, for make benchmark).
*/
(function () {
  'use strict';
  const {el, Channel} = window.bookLiveShared;
  const HIT = 9;  // px (in the picture's units): a click this near a point hits it

  const state = {
    settings: null, losses: [], accuracies: [], points: [], labels: [],
    origin: [], wrong: [], step: 0, running: false, msPerStep: null, stepMs: [], ready: false,
    error: null, requests: 0, queued: null, invalid: {}, target: null,
  };
  let table = [];  // the settings, from the manifest
  let defaults = {};
  let ui = null;
  let channel = null;

  window.bookLoop = {offer, start, stop, state, encode, decode, request, runTo};

  function copy(settings) {
    return JSON.parse(JSON.stringify(settings));
  }

  function use(settings) {
    table = settings;
    defaults = Object.fromEntries(table.map((setting) => [setting.key, setting.default]));
    if (!state.settings) state.settings = copy(defaults);
  }

  // -- the set-up in the address ------------------------------------------------

  function number(text) {
    return Number(Number(text).toPrecision(12));
  }

  // How each kind of setting is written in the address, and read back
  // (read gives undefined for a value it cannot read: the default stays).
  const CODECS = {
    choice: {write: String, read: (v, setting) => (setting.choices.includes(v) ? v : undefined)},
    int: {write: String, read: (v) => (/^\d+$/.test(v) ? Number(v) : undefined)},
    float: {write: String, read: (v) => (isFinite(Number(v)) ? number(v) : undefined)},
    sizes: {
      write: (v) => v.join(','),
      read: (v, setting) => {
        const [lo, hi] = setting.range;
        const sizes = v.split(',').map(Number).filter((size) => size >= lo && size <= hi);
        return sizes.length ? sizes.slice(0, setting.layers).map(Math.round) : undefined;
      },
    },
    points: {
      write: (v) => v.map((p) => p.join(',')).join('_'),
      read: (v) => v.split('_').map((p) => p.split(',').map(Number))
        .filter((p) => p.length === 3 && p.every(isFinite))
        .map(([x, y, label]) => [x, y, label > 0 ? 1 : -1]),
    },
    indices: {
      write: (v) => v.join(','),
      read: (v) => v.split(',').filter((i) => /^\d+$/.test(i)).map(Number),
    },
  };

  // The ?loop= value of settings `s`: what differs from the defaults.
  function encode(s) {
    const parts = [];
    for (const setting of table) {
      const {write} = CODECS[setting.kind];
      const text = write(s[setting.key]);
      if (text !== write(setting.default)) parts.push(`${setting.url}:${text}`);
    }
    return parts.join(';') || 'default';
  }

  // The settings a ?loop= value describes (what it leaves out: the defaults).
  function decode(text) {
    const s = copy(defaults);
    for (const part of (text || '').split(';')) {
      const at = part.indexOf(':');
      const setting = table.find((one) => one.url === part.slice(0, at));
      if (at < 0 || !setting) continue;
      const value = CODECS[setting.kind].read(part.slice(at + 1), setting);
      if (value !== undefined) s[setting.key] = value;
    }
    return s;
  }

  function fromAddress() {
    const text = new URLSearchParams(location.search).get('loop');
    return text === null ? null : decode(text);
  }

  function toAddress() {
    const url = new URL(location.href);
    const params = url.searchParams;
    params.delete('loop');
    const rest = params.toString();
    // Written by hand: URLSearchParams would escape the : , and ; it needs not.
    url.search = (rest ? `${rest}&` : '') + `loop=${encode(state.settings)}`;
    history.replaceState(history.state, '', url.href);
    if (ui) ui.link.value = url.href;
  }

  // Settings `s` in words: each field's label and value, then the points
  // changed.
  function describe(s) {
    const fields = table.filter((setting) => setting.label).map((setting) =>
      `${setting.label} ${CODECS[setting.kind].write(s[setting.key])}`);
    const changes = [s.added.length && `${s.added.length} point(s) added`,
                     s.removed.length && `${s.removed.length} removed`].filter(Boolean);
    return [...fields, ...changes].join(', ');
  }

  // -- at load: a link that carries a set-up ----------------------------------------

  function offer(figure, settings, switchOn) {
    use(settings);
    const given = fromAddress();
    if (!given) return;
    state.settings = given;
    const article = document.querySelector('.bd-article') || document.querySelector('main');
    const note = el('div', {class: 'book-loop-offer', role: 'note', 'data-loop': 'offer'},
      el('p', {}, 'This link carries a set-up for the live training figure ' +
         `(${describe(given)}). It trains in your browser once live mode is on.`),
      el('button', {type: 'button', class: 'live-button', 'data-loop': 'accept',
                    onclick: () => {
                      note.remove();
                      switchOn();
                      (ui ? ui.root : figure).scrollIntoView({block: 'start'});
                    }}, 'Switch live mode on and go to the figure'));
    article.prepend(note);
    state.offer = note;
  }

  // -- the worker -------------------------------------------------------------------

  // One request of the Loop (book_live/loop.py's `call`): resolves to its
  // answer, with the worker's time for it (ms), or to {error}.
  function request(body) {
    if (!channel) return Promise.resolve({error: 'live mode is off'});
    state.requests += 1;
    return channel.request({type: 'loop', request: body}).then((reply) => {
      if (reply.ok) return Object.assign(reply.value, {ms: reply.ms});
      return {error: reply.stopped ? 'stopped' : reply.error};
    });
  }

  function ready(reply) {
    if (reply.stopped) return;
    if (!reply.ok) {
      say(`Python could not start for the Loop: ${reply.error}`);
      return;
    }
    state.ready = true;
    state.startMs = reply.ms;
    reset().then(() => {
      const action = state.queued;
      state.queued = null;
      if (action) action();
    });
  }

  // -- starting and stopping ------------------------------------------------------------

  function start(figure, options) {
    stop();
    use(options.settings);
    state.settings = fromAddress() || state.settings;
    if (state.offer) state.offer.remove();
    ui = build(figure);
    channel = new Channel(options.worker, {died: (error) => say(`The Loop stopped: ${error}.`)});
    channel.request({type: 'start', package: options.package, graphviz: false, loop: true})
      .then(ready);
    say('Starting Python for the Loop (a few seconds)...');
  }

  function stop() {
    state.running = false;
    state.ready = false;
    state.queued = null;
    state.invalid = {};
    if (channel) channel.close('stopped');
    channel = null;
    if (ui) ui.root.remove();
    ui = null;
  }

  // -- training -------------------------------------------------------------------------

  async function reset() {
    pause();
    state.losses = [];
    state.accuracies = [];
    state.stepMs = [];
    state.msPerStep = null;  // a new run: a new network, a new time
    const answer = await request({do: 'reset', settings: state.settings, since: 0});
    apply(answer, true);
  }

  // A press on Start or Step while Python is still starting is kept, and
  // done as soon as it is ready, rather than lost.
  function whenReady(action) {
    if (state.ready) return action();
    state.queued = action;
    say('Starting Python for the Loop: it begins as soon as Python is ready ' +
        '(a few seconds).');
    return undefined;
  }

  async function stepOnce() {
    if (state.running || !state.ready) return;
    const answer = await request({do: 'step', count: 1, since: state.losses.length});
    apply(answer);
  }

  // Steps until Pause, or until step `state.target` when it is set.
  async function run() {
    if (state.running || !state.ready) return;
    state.running = true;
    showRunning();
    while (state.running && (state.target === null || state.step < state.target)) {
      const answer = await request({do: 'step', count: 1, since: state.losses.length});
      if (!apply(answer)) break;
      if (state.running) await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    pause();
  }

  // Runs to exactly step `target`: on from here, or, when that step is
  // behind, again from the seed (the same set-up trains the same way).
  async function runTo(target) {
    if (state.running || !state.ready) return;
    if (target < state.step) await reset();
    state.target = target;
    await run();
  }

  function pause() {
    state.running = false;
    state.target = null;
    showRunning();
  }

  function apply(answer, fresh) {
    if (!ui || !answer) return false;
    if (answer.error) {
      state.error = answer.error;
      if (answer.error !== 'stopped') say(`The Loop stopped: ${answer.error}`);
      pause();
      return false;
    }
    state.error = null;
    if (!fresh && answer.step > state.step) {
      // ms per step: the worker's time for the step and its picture, each,
      // and the mean of the last five, which the page shows
      state.stepMs.push(answer.ms);
      const last = state.stepMs.slice(-5);
      state.msPerStep = last.reduce((sum, ms) => sum + ms, 0) / last.length;
    }
    state.losses = state.losses.slice(0, answer.since).concat(answer.loss);
    state.accuracies = state.accuracies.slice(0, answer.since).concat(answer.accuracy);
    state.step = answer.step;
    state.parameters = answer.parameters;
    const moved = fresh || JSON.stringify(answer.points) !== JSON.stringify(state.points);
    state.points = answer.points;
    state.labels = answer.labels;
    state.origin = answer.origin;
    state.wrong = answer.wrong;
    state.plane = answer.plane;
    draw(answer, moved);
    return true;
  }

  // Adds a point, or removes the one at `index`; the next step trains on
  // the new data (the network and the steps so far stay).
  async function edit(change) {
    const s = state.settings;
    if (change.remove !== undefined) {
      const [from, i] = state.origin[change.remove];
      if (from === 'data') s.removed = [...s.removed, i].sort((a, b) => a - b);
      else s.added = s.added.filter((_, j) => j !== i);
    } else {
      s.added = [...s.added, change.add];
    }
    toAddress();
    const answer = await request({do: 'data', added: s.added, removed: s.removed,
                                  since: state.losses.length});
    apply(answer);
  }

  // -- the page --------------------------------------------------------------------------

  function say(text) {
    if (ui) ui.status.textContent = text;
  }

  function field(label, input, help) {
    const id = `book-loop-${input.dataset.loop}`;
    input.id = id;
    return el('div', {class: 'book-loop-field'},
      el('label', {for: id}, label), input, help || null);
  }

  function select(name, options, value) {
    return el('select', {'data-loop': name},
      ...options.map(([v, text]) => el('option', {value: v, selected: String(v) === String(value)},
                                        text)));
  }

  // The form's field for a setting, showing its value in `s`.
  function control(setting, s) {
    const name = setting.key;
    const value = s[name];
    if (setting.kind === 'choice') {
      return select(name, setting.choices.map((choice) => [choice, choice]), value);
    }
    if (setting.kind === 'sizes') {
      return el('input', {type: 'text', 'data-loop': name, value: value.join(','),
                          pattern: `\\d+(,\\d+){0,${setting.layers - 1}}`, size: 7,
                          spellcheck: 'false', 'aria-describedby': `book-loop-${name}-help`});
    }
    const [min, max] = setting.range;
    return el('input', {type: 'number', 'data-loop': name, value, min, max,
                        step: setting.step, inputmode: 'decimal',
                        'aria-describedby': setting.help ? `book-loop-${name}-help` : null});
  }

  // A field's help: the example of sizes, or the table's own words.
  function help(setting) {
    const text = setting.kind === 'sizes' ? `sizes, e.g. ${setting.default.join(',')}`
      : setting.help;
    if (!text) return null;
    return el('span', {id: `book-loop-${setting.key}-help`, class: 'book-loop-help'}, text);
  }

  function build(figure) {
    const s = state.settings;
    const root = el('div', {class: 'mgv mgv-loop book-loop', 'data-loop': 'root',
                            'data-mgv-ready': 'yes', role: 'region',
                            'aria-label': 'The Loop, live: train a network in the page'});
    const title = el('p', {class: 'book-loop-title'},
      el('strong', {}, 'The Loop, live. '),
      'This network trains in your browser, with the book’s own micrograd, ' +
      'one step at a time. Start, pause or step it; change the data or the ' +
      'network (a change starts a new run); click the plot to add a point of ' +
      'the chosen class, or click a point to remove it.');
    const startButton = el('button', {type: 'button', class: 'mgv-button', 'data-loop': 'start',
                                      'aria-pressed': 'false',
                                      onclick: () => (state.running ? pause() : whenReady(run))}, 'Start');
    const stepButton = el('button', {type: 'button', class: 'mgv-button', 'data-loop': 'step',
                                     onclick: () => whenReady(stepOnce)}, 'Step');
    const resetButton = el('button', {type: 'button', class: 'mgv-button', 'data-loop': 'reset',
                                      onclick: () => reset()}, 'Reset');
    const target = el('input', {type: 'number', 'data-loop': 'target', value: 100, min: 0,
                                max: 100000, step: 1, inputmode: 'numeric',
                                id: 'book-loop-target', class: 'book-loop-target'});
    const runToButton = el('button', {type: 'button', class: 'mgv-button',
                                      'data-loop': 'run-to', 'aria-label': 'Run to step',
                                      onclick: () => runToTyped(target)}, 'Run to');
    // A field for each setting the table labels (the points are edited on
    // the plot).
    const fields = table.filter((setting) => setting.label);
    const inputs = Object.fromEntries(fields.map((setting) => [setting.key, control(setting, s)]));
    const kind = select('class', [['1', '+1 (blue square)'], ['-1', '−1 (orange circle)']], '1');
    const controls = el('div', {class: 'mgv-controls', role: 'group', 'aria-label': 'Training'},
                        startButton, stepButton, resetButton,
                        el('span', {class: 'book-loop-runto'}, runToButton,
                           el('label', {for: 'book-loop-target'}, 'step'), target));
    const setup = el('fieldset', {class: 'book-loop-setup'},
      el('legend', {}, 'Set-up (a change starts a new run)'),
      ...fields.map((setting) => field(setting.label, inputs[setting.key], help(setting))),
      field('a click adds', kind));
    for (const [name, input] of Object.entries(inputs)) {
      input.addEventListener('change', () => changed(name, input));
    }
    const plot = el('div', {class: 'book-loop-plot', tabindex: '0', role: 'application',
                            'data-loop': 'plot',
                            'aria-label': 'The data and the decision boundary',
                            'aria-describedby': 'book-loop-plot-help'});
    const plotHelp = el('p', {id: 'book-loop-plot-help', class: 'book-loop-help'},
      'Click to add a point of the chosen class; click a point to remove it. ' +
      'With the keyboard: arrow keys move the cross (Shift: farther), Enter adds ' +
      'a point there or removes the point under it.');
    const curves = el('div', {class: 'mgv-side book-loop-curves'});
    const readout = el('p', {class: 'mgv-narration', role: 'status', 'aria-live': 'polite',
                             'data-loop': 'readout'});
    const status = el('p', {class: 'mgv-details', 'data-loop': 'status'});
    const link = el('input', {type: 'text', readonly: true, 'data-loop': 'link',
                              class: 'book-loop-link', id: 'book-loop-link'});
    link.addEventListener('focus', () => link.select());
    const linkField = el('div', {class: 'book-loop-field book-loop-linkfield'},
      el('label', {for: 'book-loop-link'}, 'link to this set-up'), link);
    root.append(title, controls,
      el('div', {class: 'mgv-row'},
         el('div', {class: 'mgv-stage'}, plot, plotHelp), curves),
      readout, status, setup, linkField);
    // After the cell that shows the replay: the replay stays, for comparison.
    const cell = figure.closest('div.cell') || figure;
    cell.after(root);
    const built = {root, plot, curves, readout, status, link, inputs, kind, startButton,
                   stepButton, runToButton, cross: {x: 0, y: 0, shown: false}, heat: null};
    link.value = location.href;
    plot.addEventListener('click', (event) => clicked(event));
    plot.addEventListener('keydown', (event) => key(event));
    plot.addEventListener('focus', () => { built.cross.shown = true; drawCross(); });
    plot.addEventListener('blur', () => { built.cross.shown = false; drawCross(); });
    return built;
  }

  function refuse(name, input, message) {
    state.invalid[name] = message;
    input.setAttribute('aria-invalid', 'true');
    say(message);
  }

  function accept(name, input) {
    delete state.invalid[name];
    input.removeAttribute('aria-invalid');
  }

  // What the reader typed in a field, checked by its setting: the value,
  // or undefined after saying what is wrong.
  function typed(setting, input) {
    const name = setting.key;
    if (setting.kind === 'choice') return input.value;
    const [lo, hi] = setting.range;
    if (setting.kind === 'sizes') {
      const sizes = input.value.split(/[,\s-]+/).filter(Boolean).map(Number);
      if (!sizes.length || sizes.length > setting.layers ||
          !sizes.every((v) => Number.isInteger(v) && v >= lo && v <= hi)) {
        refuse(name, input, `${setting.label}: 1 to ${setting.layers} sizes, each from ` +
                            `${lo} to ${hi}, separated by commas.`);
        return undefined;
      }
      return sizes;
    }
    const value = Number(input.value);
    if (input.value === '' || !isFinite(value) || value < lo || value > hi ||
        (setting.kind === 'int' && !Number.isInteger(value))) {
      refuse(name, input, `${setting.label}: a number from ${lo} to ${hi}.`);
      return undefined;
    }
    return number(value);
  }

  // Run to the step typed in `input`, once it is a whole number in range.
  function runToTyped(input) {
    const k = Number(input.value);
    if (input.value === '' || !Number.isInteger(k) || k < 0 || k > 100000) {
      refuse('target', input, 'run to step: a whole number from 0 to 100000.');
      return;
    }
    accept('target', input);
    whenReady(() => runTo(k));
  }

  function changed(name, input) {
    const setting = table.find((one) => one.key === name);
    const value = typed(setting, input);
    if (value === undefined) return;
    accept(name, input);
    const s = state.settings;
    s[name] = value;
    if (setting.new_points) {
      // Other points: the ones added and removed belonged to the old set.
      s.added = [];
      s.removed = [];
    }
    toAddress();
    reset();
  }

  // -- drawing ---------------------------------------------------------------------------

  function draw(answer, moved) {
    const viz = window.microgradViz;
    if (moved || !ui.heat) {
      ui.heat = viz.heatmap(answer.plane, 260, answer.points, answer.labels,
                            'Decision boundary: the network’s verdict over the plane, ' +
                            'with the data on top');
      ui.heat.picture.querySelectorAll('.mgv-point').forEach((mark, i) => {
        mark.dataset.point = String(i);
      });
      ui.crossMark = null;
      ui.plot.replaceChildren(ui.heat.picture);
      drawCross();
    }
    ui.heat.paint(Array.from(viz.bytes(answer.scores)), 127);
    ui.heat.mark(answer.wrong);
    const loss = state.losses;
    const accuracy = state.accuracies;
    // The loss and accuracy of step k: of the network after k updates,
    // the one the plot shows (steps from 0, as in chapter 11).
    if (loss.length >= 2) {
      const positive = loss.map((v) => Math.max(v, 1e-4));
      const lossCurve = viz.curve(positive, 'loss', (v) => viz.fmt(v), true);
      const accuracyCurve = viz.curve(accuracy, 'accuracy', viz.percent, false);
      lossCurve.at(loss.length - 1);
      accuracyCurve.at(accuracy.length - 1);
      ui.curves.replaceChildren(lossCurve.element, accuracyCurve.element);
    } else {
      ui.curves.replaceChildren(el('p', {class: 'mgv-readout'},
        'The loss and accuracy curves appear after the first step.'));
    }
    const n = answer.wrong.length;
    const total = answer.points.length;
    const at = state.step === 0 ? 'Step 0 (untrained)' : `Step ${state.step}`;
    ui.readout.textContent = loss.length > state.step
      ? `${at}: loss ${viz.fmt(loss[state.step])}, accuracy ` +
        `${viz.percent(accuracy[state.step])}: ${total - n} of ${total} points are on ` +
        `the right side (${n} ringed, wrong). ${answer.parameters} parameters.`
      : `${at}: no points to train on; click the plot to add some.`;
    ui.root.dataset.step = String(state.step);
    // A field the reader got wrong keeps its message until it is mended,
    // even when a run that was under way answers after it.
    const wrong = Object.values(state.invalid)[0];
    say(wrong || (state.msPerStep === null ? 'Ready: press Start, or Step.'
      : `About ${Math.round(state.msPerStep)} ms a step (and its picture) ` +
        'in your browser.'));
  }

  function showRunning() {
    if (!ui) return;
    ui.startButton.textContent = state.running ? 'Pause' : 'Start';
    ui.startButton.setAttribute('aria-pressed', String(state.running));
    ui.stepButton.disabled = state.running;
    ui.runToButton.disabled = state.running;
    // Quiet while it runs: a screen reader hears where it paused.
    ui.readout.setAttribute('aria-live', state.running ? 'off' : 'polite');
  }

  // -- adding and removing points ---------------------------------------------------------

  // The plot's frame, in the picture's units, and the plane it shows.
  function frame() {
    const rect = ui.heat.picture.querySelector('rect.mgv-frame');
    const box = {x: Number(rect.getAttribute('x')), y: Number(rect.getAttribute('y')),
                 w: Number(rect.getAttribute('width')), h: Number(rect.getAttribute('height'))};
    const p = state.plane;
    const toPicture = ([x, y]) => [box.x + (x - p.xmin) / (p.xmax - p.xmin) * box.w,
                                   box.y + (p.ymax - y) / (p.ymax - p.ymin) * box.h];
    const toPlane = ([u, v]) => [p.xmin + (u - box.x) / box.w * (p.xmax - p.xmin),
                                 p.ymax - (v - box.y) / box.h * (p.ymax - p.ymin)];
    return {box, toPicture, toPlane};
  }

  // The index of the point within HIT of [x, y] (the plane's units), or -1.
  function pointAt(x, y) {
    const {toPicture} = frame();
    const [u, v] = toPicture([x, y]);
    let best = -1;
    let nearest = HIT;
    state.points.forEach((p, i) => {
      const [pu, pv] = toPicture(p);
      const d = Math.hypot(pu - u, pv - v);
      if (d <= nearest) { nearest = d; best = i; }
    });
    return best;
  }

  function toggleAt(x, y) {
    if (!state.ready || !ui.heat) return;
    const hit = pointAt(x, y);
    if (hit >= 0) {
      const [px, py] = state.points[hit];
      announce(`Removed the point at (${px.toFixed(2)}, ${py.toFixed(2)}).`);
      edit({remove: hit});
    } else {
      const label = Number(ui.kind.value);
      const p = state.plane;
      const round = (v) => Math.round(v * 100) / 100;
      const point = [round(Math.min(p.xmax, Math.max(p.xmin, x))),
                     round(Math.min(p.ymax, Math.max(p.ymin, y))), label];
      announce(`Added a point of class ${label > 0 ? '+1' : '−1'} at ` +
               `(${point[0].toFixed(2)}, ${point[1].toFixed(2)}).`);
      edit({add: point});
    }
  }

  function announce(text) {
    say(text);
  }

  function clicked(event) {
    if (!ui.heat) return;
    const svg = ui.heat.picture;
    const matrix = svg.getScreenCTM();
    if (!matrix) return;
    const at = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    const {box, toPlane} = frame();
    if (at.x < box.x || at.x > box.x + box.w || at.y < box.y || at.y > box.y + box.h) return;
    const [x, y] = toPlane([at.x, at.y]);
    ui.cross.x = x;
    ui.cross.y = y;
    toggleAt(x, y);
  }

  function key(event) {
    const moves = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]};
    const p = state.plane;
    if (!p) return;
    if (moves[event.key]) {
      event.preventDefault();
      const size = event.shiftKey ? 0.5 : 0.1;
      const [dx, dy] = moves[event.key];
      ui.cross.x = Math.min(p.xmax, Math.max(p.xmin, ui.cross.x + dx * size));
      ui.cross.y = Math.min(p.ymax, Math.max(p.ymin, ui.cross.y + dy * size));
      ui.cross.shown = true;
      drawCross();
      const hit = pointAt(ui.cross.x, ui.cross.y);
      say(`Cross at (${ui.cross.x.toFixed(2)}, ${ui.cross.y.toFixed(2)})` +
          (hit >= 0 ? ': on a point (Enter removes it).' : '.'));
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      toggleAt(ui.cross.x, ui.cross.y);
    }
  }

  function drawCross() {
    if (!ui || !ui.heat) return;
    const svg = ui.heat.picture;
    if (!ui.crossMark) {
      const ns = 'http://www.w3.org/2000/svg';
      ui.crossMark = document.createElementNS(ns, 'g');
      ui.crossMark.setAttribute('class', 'book-loop-cross');
      for (const [x1, y1, x2, y2] of [[-9, 0, 9, 0], [0, -9, 0, 9]]) {
        const line = document.createElementNS(ns, 'line');
        Object.entries({x1, y1, x2, y2}).forEach(([k, v]) => line.setAttribute(k, v));
        ui.crossMark.append(line);
      }
      svg.append(ui.crossMark);
    }
    const [u, v] = frame().toPicture([ui.cross.x, ui.cross.y]);
    ui.crossMark.setAttribute('transform', `translate(${u.toFixed(1)},${v.toFixed(1)})`);
    ui.crossMark.style.display = ui.cross.shown ? '' : 'none';
  }
})();
