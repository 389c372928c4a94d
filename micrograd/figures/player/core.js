/* micrograd, the book: the player of its moving pictures, part 1 of 5: core.

   Python (micrograd/figures/__init__.py) runs the book's engine and
   records what it computed as a JSON trace; the player draws the trace and
   replays it, step by step, in the page. It has no dependencies and makes
   no requests, so it works from file://, from a web server and in a
   Jupyter notebook alike. The book's appendix, "How the pictures are
   made", walks through it.

   The player is five files, put together by Python into one script
   (player_script() in micrograd/figures/__init__.py), in the order its
   PLAYER_PARTS names them:

     core.js     numbers, the DOM helpers, the playback timer and
                 controls, the panel of details, the sideways scroller,
                 and putting figures in the page (this file)
     graph.js    expression graphs, and the figure "graph": a backward
                 pass, replayed
     neuron.js   the figure "neuron": a neuron with sliders
     loop.js     heatmaps and curves, and the figure "loop": training runs
     network.js  the figure "network": an MLP learning

   That script is one function, called with the book's colours (the
   palette, micrograd/figures/palette.json) and its style sheet
   (player.css, beside this file), whose body is the five files one after
   the other, and whose last line calls start(). So the files share one
   scope: a file uses what another defines, each file adds its figure's
   drawing function to KINDS, and nothing runs before every file is read.
   Each file on its own is plain JavaScript: no modules, no build step.

   A figure in a page is a <div class="mgv"> holding its trace in a
   <script type="application/json"> element. start() mounts every figure of
   the page not mounted yet. A notebook or a saved page carries the script
   after each figure; the book's site loads one shared copy in every page
   (bookbuild/player.py). However many copies run, the first to run puts
   the player on window.microgradViz; the others leave it there, and only
   mount the figures not mounted yet.

   What the page can use, on window.microgradViz:
     version                  '2'; a copy of the same version leaves
                              the player in place, another replaces it
     mount(root), mountAll(doc)  draw one figure, or every figure of a
                              document not drawn yet
     fmt(x, digits = 4)       a number as Python's f'{x:.4f}' shows it
     percent(fraction)        '87.5 %'
     el(tag, attrs, ...children), sv(...)  an HTML or SVG element: attrs
                              `text` sets its text, `onclick` and the like
                              listen, null/undefined/false are left out,
                              true is an empty attribute
     button(text, action, extra, symbol, after)  a real <button> named
                              by `text`, calling action() when pressed;
                              `extra`, more attributes; `symbol`, a
                              picture for the eye, hidden from screen
                              readers, before the text (after it, if
                              `after`)
     timer(tick, stopped)     a playback timer: start(ms) calls tick()
                              every ms milliseconds until tick() returns
                              false or stop() is called, then stopped(),
                              if given; `running` says whether it runs
     scroller(content, narrowest, what, cue)  a stage for one drawing or
                              a list of them, which shrink with the column
                              down to `narrowest` pixels and then scroll
                              sideways: a region named after `what`, with
                              the note `cue` under it, that keeps what the
                              keyboard focuses in view; returns { element,
                              reveal(spans) }
     evaluate(nodes, leaves, ops, root)  the neuron's arithmetic
     heatmap(...), curve(...), bytes(text)  the loop's pictures (loop.js)

   Comment lines such as // [book:evaluate] and // [/book:evaluate] mark
   the parts of the player the appendix prints: keep each pair around its
   code (the book's build stops if one is missing).
*/
'use strict';

// A new version when what window.microgradViz offers changes: a copy of
// another version, from an older or newer package, replaces it.
const VERSION = '2';
const SVG = 'http://www.w3.org/2000/svg';
// The drawing function of each kind of figure: each file adds its own.
const KINDS = {};

// -- numbers -----------------------------------------------------------

// x with `digits` decimals, exactly as Python's f'{x:.4f}' shows it
// (ties, which toFixed rounds away from zero, go to the even digit), but
// without the sign of a number that shows as zero.
function fmt(x, digits = 4) {
  if (!Number.isFinite(x)) return String(x);
  let text = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(digits + 30);
  const cut = exact.indexOf('.') + 1 + digits;
  if (/^50*$/.test(exact.slice(cut))) {  // exactly halfway: round to even
    const down = exact.slice(0, cut);
    if (Number(down[down.length - 1]) % 2 === 0) {
      text = (x < 0 ? '-' : '') + down;
    }
  }
  return /^-0\.0*$/.test(text) ? text.slice(1) : text;
}

function percent(fraction) {
  return fmt(100 * fraction, 1) + ' %';
}

// -- building the page -------------------------------------------------

function el(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

function sv(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (key === 'text') {
      node.textContent = value;
    } else if (key.startsWith('on')) {
      node.addEventListener(key.slice(2), value);
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child);
    }
  }
  return node;
}

// A real button. Its name is its visible text; `symbol`, a picture
// for the eye, is hidden from screen readers.
function button(text, action, extra, symbol, after) {
  const icon = symbol && el('span', { 'aria-hidden': 'true' }, symbol);
  return el('button', Object.assign(
    { type: 'button', class: 'mgv-button', onclick: action },
    extra || {}), after ? [text, ' ', icon] : [icon, icon && ' ', text]);
}

function reducedMotion() {
  return window.matchMedia &&
    window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

function viewBox(width, height) {
  return `0 0 ${width} ${height}`;
}

// -- playing -----------------------------------------------------------

// A playback timer: once started, it calls tick() every `ms` milliseconds
// until tick() returns false or stop() is called; then, if it was running,
// it calls stopped().
function timer(tick, stopped) {
  let id = null;
  function stop() {
    if (id === null) return;
    clearInterval(id);
    id = null;
    if (stopped) stopped();
  }
  return {
    start(ms) {
      stop();
      id = setInterval(() => { if (tick() === false) stop(); }, ms);
    },
    stop,
    get running() { return id !== null; },
  };
}

// The controls every replay shares: buttons (reset, back, play, forward),
// a slider to scrub, a counter and a narration that screen readers
// announce. show(k) draws position k and returns what happens there: a
// line of text, or a list of lines. The counter says "Step 3 of 9" (the
// unit, the position, the last one), or what counter(k) says, if given.
function player(count, show, unit, counter) {
  let position = 0;
  const narration = el('div', { class: 'mgv-narration', role: 'status',
                                'aria-live': 'polite' });
  const scrub = el('input', {
    type: 'range', min: 0, max: count - 1, step: 1, value: 0,
    class: 'mgv-scrub', 'aria-label': `${unit} (scrub)`,
    oninput: () => { playing.stop(); go(Number(scrub.value)); },
  });
  const shown = el('span', { class: 'mgv-counter',
                             'aria-hidden': 'true' });
  const reset = button('Reset', () => { playing.stop(); go(0); });
  const back = button('Back', () => { playing.stop(); go(position - 1); },
                      null, '◀');
  const play = button('Play', () => (playing.running ? playing.stop()
                                                     : start()),
                      { 'aria-pressed': 'false' }, '▶');
  const next = button('Forward', () => { playing.stop(); go(position + 1); },
                      null, '▶', true);
  const bar = el('div', { class: 'mgv-controls', role: 'group',
                          'aria-label': 'Playback' },
                 reset, back, play, next, scrub, shown);
  const playing = timer(() => {
    if (position >= count - 1) return false;
    go(position + 1);
    return true;
  }, () => {
    play.replaceChildren(el('span', { 'aria-hidden': 'true' }, '▶'),
                         ' Play');
    play.setAttribute('aria-pressed', 'false');
    narration.setAttribute('aria-live', 'polite');
  });

  function go(k) {
    position = Math.max(0, Math.min(count - 1, k));
    scrub.value = String(position);
    const lines = [].concat(show(position));
    const where = counter ? counter(position)
      : `${unit} ${position} of ${count - 1}`;
    scrub.setAttribute('aria-valuetext', where);
    shown.textContent = where;
    narration.replaceChildren(
      ...lines.map((line) => el('div', {}, line)));
    back.setAttribute('aria-disabled', String(position === 0));
    reset.setAttribute('aria-disabled', String(position === 0));
    next.setAttribute('aria-disabled', String(position === count - 1));
  }

  function start() {
    if (position >= count - 1) go(0);
    playing.start(reducedMotion() ? 1600 : 800);
    play.replaceChildren(el('span', { 'aria-hidden': 'true' }, '❚❚'),
                         ' Pause');
    play.setAttribute('aria-pressed', 'true');
    narration.setAttribute('aria-live', 'off');  // quiet while playing
  }

  return { bar, narration, go, stop: playing.stop };
}

// A panel that shows what the pointer or the keyboard focus is on.
function details(idle) {
  const panel = el('div', { class: 'mgv-details',
                            'aria-live': 'polite' });
  panel.textContent = idle;
  return {
    panel,
    show(text) { panel.textContent = text; },
    idle() { panel.textContent = idle; },
  };
}

// Make an SVG element respond to hover and keyboard focus alike. Its
// accessible name is `label`, or without one the text it shows.
function inspectable(node, label, describe, panel) {
  node.setAttribute('tabindex', '0');
  node.setAttribute('role', 'button');
  if (label) node.setAttribute('aria-label', label);
  const on = () => panel.show(describe());
  node.addEventListener('mouseenter', on);
  node.addEventListener('focus', on);
  node.addEventListener('click', on);
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      on();
    }
  });
  node.addEventListener('mouseleave', () => {
    if (document.activeElement !== node) panel.idle();
  });
  node.addEventListener('blur', () => panel.idle());
}


// -- the stage: a drawing that scrolls sideways -------------------------

// A stage for drawings (an element, or a list of them). They shrink with
// the column down to `narrowest` pixels wide, so that their text stays
// readable; in a narrower column they keep that width and the stage
// scrolls sideways: then the stage can be focused and scrolled with the
// arrow keys, it is a region named after `what` ('the graph'), and a note
// under it, `cue`, which the stage names as its description, says so.
// Whatever the keyboard focuses inside is scrolled into view.
let stages = 0;

function scroller(content, narrowest, what, cue) {
  stages += 1;
  const id = `mgv-cue-${stages}`;
  const drawings = [].concat(content);
  for (const drawing of drawings) {
    drawing.style.minWidth = `${Math.round(narrowest)}px`;
  }
  const box = el('div', { class: 'mgv-stage mgv-scroller' }, drawings);
  const note = el('p', { class: 'mgv-cue', id, hidden: true },
                  el('span', { 'aria-hidden': 'true' }, '⇆ '), cue);
  const element = el('div', { class: 'mgv-stage-wrap' }, box, note);
  const scrolls = () => box.scrollWidth > box.clientWidth + 1;
  function check() {
    note.hidden = !scrolls();
    if (scrolls()) {
      box.setAttribute('tabindex', '0');
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', `${what} (scrolls sideways)`);
      box.setAttribute('aria-describedby', id);
    } else {
      for (const name of ['tabindex', 'role', 'aria-label',
                          'aria-describedby']) {
        box.removeAttribute(name);
      }
    }
  }
  if (window.ResizeObserver) new ResizeObserver(check).observe(box);
  else window.addEventListener('resize', check);
  requestAnimationFrame(check);
  box.addEventListener('focusin', (event) => {
    if (event.target === box) return;
    const shown = event.target.getBoundingClientRect();
    const view = box.getBoundingClientRect();
    if (shown.left < view.left) {
      box.scrollLeft -= view.left - shown.left + 8;
    } else if (shown.right > view.right) {
      box.scrollLeft += shown.right - view.right + 8;
    }
  });
  return {
    element,
    // Scroll so that the spans ({from, to}, in the units of the first
    // drawing's viewBox) are in view.
    reveal(spans) {
      if (!spans.length || !scrolls()) return;
      const first = drawings[0];
      const scale = first.getBoundingClientRect().width /
        first.viewBox.baseVal.width;
      const from = Math.min(...spans.map((s) => s.from)) * scale;
      const to = Math.max(...spans.map((s) => s.to)) * scale;
      const view = box.clientWidth;
      if (from >= box.scrollLeft && to <= box.scrollLeft + view) return;
      const left = to - from > view ? from : (from + to - view) / 2;
      box.scrollTo({ left: Math.max(0, left),
                     behavior: reducedMotion() ? 'auto' : 'smooth' });
    },
  };
}

// -- putting figures in the page ---------------------------------------

// The colours are not written here: they come from the book's palette,
// micrograd/figures/palette.json, which player_script() passes in, as
// `palette`. Each role, `pos` say, becomes a CSS variable, --mgv-pos:
// the light values, the dark ones on a dark page (the book's dark theme,
// JupyterLab's, or a figure marked mgv-dark), and the light ones again in
// a heatmap, which keeps its light background everywhere. The rest of
// the style is player.css, passed in as `css`.
function style() {
  const colours = (mode) => Object.entries(palette[mode])
    .map(([role, colour]) => `--mgv-${role}:${colour};`).join('');
  return `.mgv{${colours('light')}}\n` +
    'html[data-theme=dark] .mgv,body[data-jp-theme-light=false] .mgv,' +
    `.mgv.mgv-dark{${colours('dark')}}\n` +
    `.mgv .mgv-heat{${colours('light')}}\n${css}`;
}

function addStyle(doc) {
  if (doc.getElementById('mgv-style')) return;
  doc.head.append(el('style', { id: 'mgv-style' }, style()));
}

function mount(root) {
  if (root.dataset.mgvReady) return;
  root.dataset.mgvReady = 'yes';
  const source = root.querySelector('script[type="application/json"]');
  const trace = JSON.parse(source.textContent);
  for (const note of root.querySelectorAll('.mgv-fallback')) {
    note.remove();  // the player is here: no need to say it is missing
  }
  try {
    const draw = KINDS[trace.kind];
    if (!draw) {
      throw new Error(`the player draws no figure of kind ${trace.kind} ` +
                      `(it draws ${Object.keys(KINDS).join(', ')})`);
    }
    draw(root, trace);
  } catch (error) {
    root.append(el('p', { class: 'mgv-details' },
                   `This figure could not be drawn: ${error.message}`));
    throw error;
  }
}

function mountAll(doc) {
  addStyle(doc);
  for (const root of doc.querySelectorAll('.mgv')) mount(root);
}

// The last line of the script: define the player, unless a copy of the
// same version already has, and draw the page's figures.
function start() {
  if (!(window.microgradViz && window.microgradViz.version === VERSION)) {
    window.microgradViz = {
      version: VERSION, mount, mountAll, fmt, percent, el, sv, button,
      timer, scroller, evaluate, heatmap, curve, bytes,
    };
  }
  window.microgradViz.mountAll(document);
}
