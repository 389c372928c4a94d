/* micrograd, the book: the player for its moving pictures.

   Python (micrograd/figures.py) runs the book's engine and records what it
   computed as a JSON trace. This file draws the trace and replays it, step
   by step, in the page. It has no dependencies and makes no requests: each
   figure carries its own data, so it works from file://, from a web server
   and in a Jupyter notebook alike. "How the pictures are made", the book's
   appendix, walks through it.

   A figure in a page is a <div class="mgv"> holding its trace in a
   <script type="application/json"> element, followed by a script element
   that sets the book's colours (window.microgradPalette) and then runs
   this file, which mounts every figure of the page that is not mounted
   yet. The figure kinds are "graph" (a backward pass, replayed), "neuron"
   (a neuron with sliders), "network" (an MLP learning) and "loop"
   (training runs on four data sets).

   Comment lines such as // [book:evaluate] and // [/book:evaluate] mark
   the parts of this file the appendix prints: keep each pair around its
   code (the book's build stops if one is missing or repeated).
*/
(function () {
  'use strict';
  const VERSION = '1';
  if (!(window.microgradViz && window.microgradViz.version === VERSION)) {
    window.microgradViz = define();
  }
  window.microgradViz.mountAll(document);

  function define() {
    const SVG = 'http://www.w3.org/2000/svg';
    const KINDS = { graph: graphFigure, neuron: neuronFigure,
                    network: networkFigure, loop: loopFigure };

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

    // -- the controls every replay shares ----------------------------------

    // Buttons (reset, back, play, forward), a slider to scrub, a counter and
    // a narration that screen readers announce. show(k) draws position k and
    // returns what happens there: a line of text, or a list of lines. The
    // counter says "Step 3 of 9" (the unit, the position, the last one), or
    // what counter(k) says, if given.
    function player(count, show, unit, counter) {
      let position = 0;
      let timer = null;
      const narration = el('div', { class: 'mgv-narration', role: 'status',
                                    'aria-live': 'polite' });
      const scrub = el('input', {
        type: 'range', min: 0, max: count - 1, step: 1, value: 0,
        class: 'mgv-scrub', 'aria-label': `${unit} (scrub)`,
        oninput: () => { stop(); go(Number(scrub.value)); },
      });
      const shown = el('span', { class: 'mgv-counter',
                                 'aria-hidden': 'true' });
      const reset = button('Reset', () => { stop(); go(0); });
      const back = button('Back', () => { stop(); go(position - 1); },
                          null, '◀');
      const play = button('Play', () => (timer ? stop() : start()),
                          { 'aria-pressed': 'false' }, '▶');
      const next = button('Forward', () => { stop(); go(position + 1); },
                          null, '▶', true);
      const bar = el('div', { class: 'mgv-controls', role: 'group',
                              'aria-label': 'Playback' },
                     reset, back, play, next, scrub, shown);

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
        timer = setInterval(() => {
          if (position >= count - 1) stop();
          else go(position + 1);
        }, reducedMotion() ? 1600 : 800);
        play.replaceChildren(el('span', { 'aria-hidden': 'true' }, '❚❚'),
                             ' Pause');
        play.setAttribute('aria-pressed', 'true');
        narration.setAttribute('aria-live', 'off');  // quiet while playing
      }

      function stop() {
        if (!timer) return;
        clearInterval(timer);
        timer = null;
        play.replaceChildren(el('span', { 'aria-hidden': 'true' }, '▶'),
                             ' Play');
        play.setAttribute('aria-pressed', 'false');
        narration.setAttribute('aria-live', 'polite');
      }

      return { bar, narration, go, stop };
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

    // -- expression graphs -------------------------------------------------

    const OP_SYMBOL = { '*': '×', '+': '+' };

    function opSymbol(op) {
      return OP_SYMBOL[op] || op;
    }

    // "a × b", "tanh(n)", "x**2": how node i is computed from its children.
    function formula(nodes, i, name) {
      const node = nodes[i];
      const kids = node.children.map(name);
      if (node.op === '+' || node.op === '*') {
        return kids.join(` ${opSymbol(node.op)} `);
      }
      if (node.op.startsWith('**') && node.op.length > 2) {
        return `${kids[0]}${node.op}`;
      }
      if (node.op === '**') return `${kids[0]} ** ${kids[1]}`;
      return `${node.op}(${kids.join(', ')})`;
    }

    // Why the local derivative of node i for child c has the value it has.
    function localRule(nodes, i, c, uses) {
      const node = nodes[i];
      const name = nodes[i].label;
      const child = nodes[c].label;
      if (uses > 1) return `the sum over its ${uses} uses`;
      switch (node.op) {
        case '+': return '1';
        case '*': {
          const other = node.children[0] === c ? node.children[1]
                                               : node.children[0];
          return `${nodes[other].label}.data`;
        }
        case 'tanh': return `(1 − ${name}.data²)`;
        case 'ReLU': return `(1 if ${name}.data > 0 else 0)`;
        case 'exp': return `${name}.data`;
        case 'log': return `1 / ${child}.data`;
        default: return 'the local derivative';
      }
    }

    // Place the graph: Python gave each node a column and a row.
    function graphGeometry(nodes, sizes) {
      const { colW, rowH, boxW, boxH, opGap } = sizes;
      const pad = 14;
      const padY = sizes.padY || pad;  // room above and below for labels
      const rows = nodes.map((n) => n.row);
      const top = Math.min(...rows);
      const cols = Math.max(...nodes.map((n) => n.col));
      const at = nodes.map((n) => ({
        x: pad + opGap + n.col * colW,
        y: padY + (n.row - top) * rowH,
      }));
      return {
        at, boxW, boxH,
        width: 2 * pad + opGap + cols * colW + boxW,
        height: 2 * padY + (Math.max(...rows) - top) * rowH + boxH,
      };
    }

    // Draw the graph once; returns handles to update its numbers and colours.
    function drawGraph(nodes, geometry, title) {
      const { at, boxW, boxH } = geometry;
      const picture = sv('svg', {
        class: 'mgv-svg', viewBox: viewBox(geometry.width, geometry.height),
        role: 'group', 'aria-label': title,
      });
      const curves = [];  // every arrow, for placing labels clear of them
      const blocks = [];  // every box and circle, likewise
      const edgeLayer = sv('g', { class: 'mgv-edges' });
      const labelLayer = sv('g', { class: 'mgv-edge-labels' });
      const nodeLayer = sv('g', { class: 'mgv-nodes' });
      picture.append(edgeLayer, nodeLayer, labelLayer);
      const edges = {};
      const handles = nodes.map((node, i) => {
        const { x, y } = at[i];
        const middle = y + boxH / 2;
        const group = sv('g', { class: 'mgv-node', 'data-node': i });
        group.append(sv('rect', { x, y, width: boxW, height: boxH, rx: 6 }));
        const name = sv('text', { x: x + 8, y: y + 17, class: 'mgv-name' },
                        node.label);
        const data = sv('text', { x: x + 8, y: y + 34, class: 'mgv-num' });
        const grad = sv('text', { x: x + 8, y: y + 50, class: 'mgv-num' });
        const badge = sv('text', { x: x + boxW - 6, y: y + 17,
                                   class: 'mgv-badge',
                                   'text-anchor': 'end' });
        group.append(name, data, grad, badge);
        let op = null;
        if (node.children.length) {
          const cx = x - 28;
          op = sv('g', { class: 'mgv-op' },
                  sv('circle', { cx, cy: middle, r: 14 }),
                  sv('text', { x: cx, y: middle + 4,
                               'text-anchor': 'middle' },
                     opSymbol(node.op).slice(0, 4)));
          edgeLayer.append(sv('path', {
            class: 'mgv-edge', d: `M ${cx + 14} ${middle} L ${x} ${middle}`,
            'data-from': `op${i}`,
          }));
          curves.push({ key: `op${i}`, curve: [
            { x: cx + 14, y: middle }, { x: cx + 14, y: middle },
            { x, y: middle }, { x, y: middle }] });
          blocks.push({ x: cx - 14, y: middle - 14, width: 28, height: 28 });
          nodeLayer.append(op);
          for (const c of new Set(node.children)) {
            const start = at[c];
            const x1 = start.x + boxW;
            const y1 = start.y + boxH / 2;
            const x2 = cx - 14;
            const bend = (x2 - x1) / 2;
            const curve = [{ x: x1, y: y1 }, { x: x1 + bend, y: y1 },
                           { x: x2 - bend, y: middle }, { x: x2, y: middle }];
            const path = sv('path', {
              class: 'mgv-edge',
              d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ` +
                 `${x2 - bend} ${middle}, ${x2} ${middle}`,
              'data-from': c, 'data-to': i,
            });
            edgeLayer.append(path);
            edges[`${c}>${i}`] = {  // the curve's four control points
              path, curve, mid: { x: (x1 + x2) / 2, y: (y1 + middle) / 2 },
            };
            curves.push({ key: `${c}>${i}`, curve });
          }
        }
        blocks.push({ x, y, width: boxW, height: boxH });
        nodeLayer.append(group);
        return { group, data, grad, badge, op };
      });
      return { picture, handles, edges, labelLayer, curves, blocks,
               width: geometry.width, height: geometry.height };
    }

    // The point at t (0 to 1) along a cubic Bézier curve, as SVG draws it.
    function bezier(curve, t) {
      const [p0, p1, p2, p3] = curve;
      const u = 1 - t;
      const w = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
      return { x: w[0] * p0.x + w[1] * p1.x + w[2] * p2.x + w[3] * p3.x,
               y: w[0] * p0.y + w[1] * p1.y + w[2] * p2.y + w[3] * p3.y };
    }

    function overlaps(a, b) {
      return a.x < b.x + b.width && b.x < a.x + a.width &&
        a.y < b.y + b.height && b.y < a.y + a.height;
    }

    // Labels of three lines, one on each of the arrows `wanted` lists (each
    // {key, first, second}). Each goes where it covers no other arrow, no
    // box and no other label, if there is such a place: on its arrow or
    // just above or below it, as near the middle as it can. Its background,
    // a halo in the page's colour, keeps it readable over its own arrow.
    function edgeLabels(drawn, wanted) {
      const layer = drawn.labelLayer;
      const placed = [];
      const samples = drawn.curves.map(({ key, curve }) => ({
        key,
        points: Array.from({ length: 41 }, (_, s) => bezier(curve, s / 40)),
      }));
      for (const { key, texts } of wanted) {
        const lines = texts.map((text, n) => sv('tspan', {},
          n < texts.length - 1 ? text + ' ' : text));
        const text = sv('text', { 'text-anchor': 'middle' }, lines);
        const back = sv('rect', { rx: 4 });
        const group = sv('g', { class: 'mgv-edge-label', 'data-edge': key },
                         back, text);
        layer.append(group);
        const width = 10 + Math.max(...lines.map((line) =>
          line.getComputedTextLength() || 6.4 * line.textContent.length));
        const height = 4 + 14 * lines.length;
        const { curve } = drawn.edges[key];
        let best = null;
        for (let step = 0; step <= 28; step++) {
          const t = 0.15 + step * 0.025;
          const point = bezier(curve, t);
          for (const [shift, cost] of [[0, 0], [-height / 4, 0.3],
                                       [height / 4, 0.3],
                                       [-height / 2 - 2, 0.6],
                                       [height / 2 + 2, 0.6]]) {
            const box = { x: point.x - width / 2,
                          y: point.y + shift - height / 2, width, height };
            const grown = { x: box.x - 3, y: box.y - 3,
                            width: box.width + 6, height: box.height + 6 };
            let score = cost + 2 * Math.abs(t - 0.5);
            for (const other of samples) {
              if (other.key === key) continue;
              for (const p of other.points) {
                if (p.x > grown.x && p.x < grown.x + grown.width &&
                    p.y > grown.y && p.y < grown.y + grown.height) {
                  score += 10;
                }
              }
            }
            for (const block of drawn.blocks.concat(placed)) {
              if (overlaps(box, block)) score += 1000;
            }
            if (box.x < 0 || box.y < 0 || box.x + width > drawn.width ||
                box.y + height > drawn.height) {
              score += 1000;
            }
            if (!best || score < best.score) best = { score, box };
          }
        }
        const { box } = best;
        placed.push(box);
        const x = box.x + width / 2;
        lines.forEach((line, n) => {
          line.setAttribute('x', x);
          line.setAttribute('y', box.y + 13 + 14 * n);
        });
        for (const [name, value] of Object.entries(box)) {
          back.setAttribute(name, value);
        }
      }
    }

    // -- figure 1: a backward pass, replayed -------------------------------

    function graphFigure(root, trace) {
      const nodes = trace.nodes;
      const name = (i) => nodes[i].label;
      const F = trace.forward.length;
      const count = F + 2 + trace.backward.length;
      const geometry = graphGeometry(nodes, {
        colW: 310, rowH: 96, boxW: 112, boxH: 58, opGap: 44, padY: 36 });
      const drawn = drawGraph(nodes, geometry,
                              'Expression graph of ' + name(trace.root));
      const info = details('Point at a value, or tab to it, to see how it ' +
                           'is computed.');
      let state = null;
      let stage = null;  // the drawing's scroller, once there is one

      // Data and gradients as they stand after position k.
      function stateAt(k) {
        const known = new Set(trace.forward.slice(0, Math.min(k, F)));
        const grad = nodes.map(() => 0);
        const contributions = nodes.map(() => 0);
        let step = null;
        if (k > F) grad[trace.root] = 1;
        for (let j = 0; j < k - F - 1; j++) {
          step = trace.backward[j];
          for (const u of step.updates) {
            grad[u.child] = u.after;
            contributions[u.child] += 1;
          }
        }
        return { k, known, grad, contributions, step };
      }

      function describeNode(i) {
        const node = nodes[i];
        const parts = [`${node.label}`];
        if (!state.known.has(i)) {
          parts.push('not computed yet');
        } else {
          parts.push(`data ${fmt(node.data)}`, `grad ${fmt(state.grad[i])}`);
        }
        if (node.children.length) {
          const numbers = node.children.map((c) => fmt(nodes[c].data));
          const shown = formula(nodes, i, (c) => numbers[
            node.children.indexOf(c)]);
          parts.push(`operation ${opSymbol(node.op)}`,
                     `${node.label} = ${formula(nodes, i, name)} = ${shown}` +
                     ` = ${fmt(node.data)}`);
        } else {
          parts.push('an input (no operation)');
        }
        return parts.join(' · ');
      }

      drawn.handles.forEach((handle, i) => {
        inspectable(handle.group, null, () => describeNode(i), info);
      });

      function show(k) {
        state = stateAt(k);
        drawn.labelLayer.replaceChildren();
        for (const path of drawn.picture.querySelectorAll('.mgv-edge')) {
          path.classList.remove('mgv-active');
        }
        const current = k >= 1 && k <= F ? trace.forward[k - 1] :
          k === F + 1 ? trace.root :
          k > F + 1 ? trace.backward[k - F - 2].node : null;
        const touched = new Set();
        if (k > F + 1) {
          const step = trace.backward[k - F - 2];
          const labels = [];
          for (const u of step.updates) {
            touched.add(u.child);
            const key = `${u.child}>${step.node}`;
            drawn.edges[key].path.classList.add('mgv-active');
            labels.push({ key, texts: [fmt(u.local),
                                       `× ${fmt(step.upstream)}`,
                                       `= ${fmt(u.after - u.before)}`] });
          }
          edgeLabels(drawn, labels);
          drawn.picture.querySelector(`[data-from="op${step.node}"]`)
            .classList.add('mgv-active');
        }
        nodes.forEach((node, i) => {
          const handle = drawn.handles[i];
          const known = state.known.has(i);
          handle.data.textContent = known ? `data ${fmt(node.data)}`
                                          : 'data ?';
          handle.grad.textContent = known ? `grad ${fmt(state.grad[i])}` : '';
          handle.badge.textContent = state.contributions[i] > 1 ? '+=' : '';
          handle.group.classList.toggle('mgv-pending', !known);
          handle.group.classList.toggle('mgv-current', i === current);
          handle.group.classList.toggle('mgv-touched', touched.has(i));
          handle.group.dataset.grad = String(state.grad[i]);
        });
        // In a narrow column, keep what changes in view.
        if (stage) {
          stage.reveal([...touched, current].filter((i) => i !== null)
            .map((i) => ({ from: geometry.at[i].x - 44,
                           to: geometry.at[i].x + geometry.boxW })));
        }
        return narrate(k);
      }

      function narrate(k) {
        if (k === 0) {
          return 'Before the forward pass: nothing is computed yet. Step ' +
                 'forward to compute the values in topological order.';
        }
        if (k <= F) {
          const i = trace.forward[k - 1];
          const node = nodes[i];
          if (!node.children.length) {
            return `Forward: ${node.label} = ${fmt(node.data)}, an input.`;
          }
          const numbers = node.children.map((c) => fmt(nodes[c].data));
          return `Forward: ${node.label} = ${formula(nodes, i, name)} = ` +
            `${formula(nodes, i, (c) => numbers[node.children.indexOf(c)])}` +
            ` = ${fmt(node.data)}.`;
        }
        if (k === F + 1) {
          return `Backward starts: every grad is 0, and ${name(trace.root)}` +
            '.grad = 1, the slope of the output with respect to itself.';
        }
        const step = trace.backward[k - F - 2];
        const v = name(step.node);
        const lines = [`${v}._backward() runs: ${v} = ` +
          `${formula(nodes, step.node, name)}, ${v}.grad = ` +
          `${fmt(step.upstream)}.`];
        for (const u of step.updates) {
          const c = name(u.child);
          const rule = localRule(nodes, step.node, u.child, u.uses);
          let line = `${c}.grad += ${rule} × ${v}.grad = ` +
            `${fmt(u.local)} × ${fmt(step.upstream)} = ` +
            `${fmt(u.after - u.before)}; ${c}.grad goes from ` +
            `${fmt(u.before)} to ${fmt(u.after)}.`;
          if (u.before !== 0) {
            line += ` ${c} is used more than once: += adds this ` +
              'contribution to the one it already had.';
          }
          lines.push(line);
        }
        return lines;
      }

      const controls = player(count, show, 'Step');
      stage = scroller(drawn.picture, geometry.width,
                             'the graph', 'Scroll sideways, or tab to a ' +
                             'value, to see the whole graph.');
      root.append(stage.element, graphKey(), info.panel, controls.bar,
                  controls.narration);
      controls.go(0);
    }

    // A stage for a drawing of natural width `width` (in its own units).
    // The drawing shrinks with the column down to SMALLEST of its size, so
    // that its text stays readable; in a narrower column it keeps that
    // width and the stage scrolls sideways: then the stage can be focused
    // and scrolled with the arrow keys, and a note under it, which the
    // stage names as its description, says so.
    const SMALLEST = 0.75;
    let stages = 0;

    function scroller(picture, width, what, cue) {
      stages += 1;
      const id = `mgv-cue-${stages}`;
      picture.style.minWidth = `${Math.round(SMALLEST * width)}px`;
      const box = el('div', { class: 'mgv-stage mgv-scroller' }, picture);
      const note = el('p', { class: 'mgv-cue', id, hidden: true },
                      el('span', { 'aria-hidden': 'true' }, '⇆ '), cue);
      const element = el('div', { class: 'mgv-stage-wrap' }, box, note);
      function check() {
        const scrolls = box.scrollWidth > box.clientWidth + 1;
        note.hidden = !scrolls;
        if (scrolls) {
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
      return {
        element,
        // Scroll so that the spans (in the drawing's units) are in view.
        reveal(spans) {
          if (!spans.length || box.scrollWidth <= box.clientWidth + 1) {
            return;
          }
          const scale = picture.getBoundingClientRect().width / width;
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

    // What the colours and marks of a graph mean while it is replayed.
    function graphKey() {
      const swatch = (kind) => sv('svg', {
        class: `mgv-swatch mgv-swatch-${kind}`, viewBox: viewBox(28, 16),
        width: 28, height: 16, 'aria-hidden': 'true', focusable: 'false',
      }, kind === 'arrow'
        ? sv('path', { d: 'M 1 8 L 27 8', class: 'mgv-key-arrow' })
        : kind === 'badge'
          ? sv('text', { x: 14, y: 12, 'text-anchor': 'middle',
                         class: 'mgv-badge' }, '+=')
          : sv('rect', { x: 2, y: 2, width: 24, height: 12, rx: 3 }));
      const item = (kind, text) => el('li', {}, swatch(kind), ' ', text);
      return el('ul', { class: 'mgv-key', 'aria-label': 'Key' },
                item('current', 'computed now, or its _backward runs'),
                item('touched', 'its grad changes now'),
                item('arrow', 'carries local × upstream = added'),
                item('pending', 'not computed yet'),
                item('badge', 'grad collected more than one contribution'));
    }

    // -- figure 2: a neuron with sliders ------------------------------------

    // The engine's arithmetic, for the few operations a neuron uses: data
    // forward in topological order, then every grad backward, with +=.
    // [book:evaluate]
    function evaluate(nodes, leaves, ops, root) {
      const data = nodes.map((node, i) => (i in leaves ? leaves[i]
                                                        : node.data));
      nodes.forEach((node, i) => {
        const [a, b] = node.children.map((c) => data[c]);
        switch (ops[i]) {
          case '': break;
          case '+': data[i] = a + b; break;
          case '*': data[i] = a * b; break;
          case 'tanh': data[i] = Math.tanh(a); break;
          case 'ReLU': data[i] = a < 0 ? 0 : a; break;
          default: throw new Error(`no rule for the operation ${ops[i]}`);
        }
      });
      const grad = nodes.map(() => 0);
      grad[root] = 1;
      for (let i = nodes.length - 1; i >= 0; i--) {
        const [a, b] = nodes[i].children;
        const g = grad[i];
        switch (ops[i]) {
          case '+': grad[a] += 1.0 * g; grad[b] += 1.0 * g; break;
          case '*': grad[a] += data[b] * g; grad[b] += data[a] * g; break;
          case 'tanh': grad[a] += (1 - data[i] * data[i]) * g; break;
          case 'ReLU': grad[a] += (data[i] > 0 ? 1 : 0) * g; break;
          default: break;
        }
      }
      return { data, grad };
    }
    // [/book:evaluate]

    // The values a slider stops at: every multiple of its step, and the
    // value it started from, however many decimals that has (the lecture's
    // bias, 6.8813735870195432, must stay within reach). `toward` is +1 or
    // -1 for the next stop up or down from x, or 0 for the nearest one.
    function sliderStop(spec, start, x, toward) {
      const step = spec.step;
      const onGrid = (k) => Number((k * step).toFixed(12));
      const k = x / step;
      let grid;
      if (toward > 0) grid = onGrid(Math.floor(k + 1e-9) + 1);
      else if (toward < 0) grid = onGrid(Math.ceil(k - 1e-9) - 1);
      else grid = onGrid(Math.round(k));
      let stop = grid;
      if (toward === 0 ? Math.abs(start - x) < Math.abs(grid - x)
                       : toward * (start - x) > 0 &&
                         toward * (grid - start) > 0) {
        stop = start;
      }
      return Math.max(spec.min, Math.min(spec.max, stop));
    }

    function neuronFigure(root, trace) {
      const nodes = trace.nodes;
      const out = trace.root;
      const start = {};   // the values the figure came with: Reset's
      const leaves = {};
      const ops = nodes.map((node) => node.op);
      const geometry = graphGeometry(nodes, {
        colW: 166, rowH: 68, boxW: 120, boxH: 58, opGap: 40 });
      const drawn = drawGraph(nodes, geometry, 'The neuron as a graph');
      const info = details('Point at a value, or tab to it, for its ' +
                           'formula.');
      const summary = el('p', { class: 'mgv-narration', role: 'status',
                                'aria-live': 'polite' });
      const table = el('table', { class: 'mgv-table' });
      let result = null;
      let stepNote = '';

      const sliders = el('div', { class: 'mgv-sliders' });
      const setters = {};
      for (const spec of trace.inputs) {
        const i = spec.node;
        start[i] = leaves[i] = nodes[i].data;
        const readout = el('output', { class: 'mgv-num' });
        // step "any": the browser must not round the value to its own grid;
        // sliderStop rounds, to a grid that keeps the starting value.
        const slider = el('input', {
          type: 'range', min: spec.min, max: spec.max, step: 'any',
          'aria-label': nodes[i].label, 'data-node': i,
          oninput: () => {
            move(i, sliderStop(spec, start[i], Number(slider.value), 0));
          },
          onkeydown: (event) => {
            const toward = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1,
                             ArrowDown: -1 }[event.key];
            if (!toward) return;
            event.preventDefault();
            move(i, sliderStop(spec, start[i], leaves[i], toward));
          },
        });
        setters[i] = (x) => {
          leaves[i] = x;
          slider.value = String(x);
          slider.setAttribute('aria-valuetext', fmt(x));
          readout.textContent = fmt(x);
        };
        setters[i](leaves[i]);
        sliders.append(el('label', { class: 'mgv-slider' },
                          el('span', { class: 'mgv-name' }, nodes[i].label),
                          slider, readout));
      }

      function move(i, x) {
        setters[i](x);
        stepNote = '';
        update();
      }

      const choices = trace.activations.map((op) => button(
        op, () => { ops[out] = op; stepNote = ''; update(); },
        { 'aria-pressed': String(op === ops[out]), 'data-op': op,
          'aria-label': `activation ${op}` }));
      const chooser = el('div', { class: 'mgv-choice', role: 'group',
                                  'aria-label': 'Activation function' },
                         el('span', {}, 'activation:'), ...choices);

      // One step of gradient descent on the parameters the trace names.
      const learnable = trace.parameters || [];
      const rates = el('select', { class: 'mgv-rate',
                                   'aria-label': 'learning rate' },
        ...(trace.learning_rates || []).map((rate) => el('option', {
          value: rate, selected: rate === trace.learning_rate }, rate)));
      const stepper = el('div', { class: 'mgv-controls', role: 'group',
                                  'aria-label': 'Gradient descent' },
        learnable.length > 0 && [
          button('Take one step', takeStep),
          el('label', { class: 'mgv-rate-label' }, 'learning rate ', rates)],
        button('Reset', reset));
      const stepTable = el('table', { class: 'mgv-table mgv-step' });
      const stepPanel = el('div', { class: 'mgv-step-panel' }, stepTable);
      let steps = 0;

      function takeStep() {
        const rate = Number(rates.value);
        const before = result.data[out];
        const moved = learnable.map((i) => ({
          i, old: leaves[i], grad: result.grad[i],
          now: leaves[i] - rate * result.grad[i] }));
        for (const m of moved) setters[m.i](m.now);
        steps += 1;
        stepNote = '';
        update();
        const o = nodes[out].label;
        stepNote = ` Step ${steps}: each parameter moved by −${rate} × its ` +
          `gradient; ${o} went from ${fmt(before)} to ` +
          `${fmt(result.data[out])}.`;
        if (moved.every((m) => m.grad === 0)) {
          stepNote += ' Every gradient was 0, so nothing moved: gradient ' +
            'descent cannot bring the neuron back to life for this input.';
        }
        summary.textContent += stepNote;
        stepTable.replaceChildren(
          el('caption', {}, `Step ${steps}: new = old − ${rate} × grad`),
          el('tr', {}, ...['parameter', 'old', 'grad', 'new'].map(
            (name) => el('th', { scope: 'col' }, name))),
          ...moved.map((m) => el('tr', {
            'data-node': m.i, 'data-old': m.old, 'data-grad': m.grad,
            'data-new': m.now },
          el('th', { scope: 'row' }, nodes[m.i].label),
          el('td', { class: 'mgv-num' }, fmt(m.old)),
          el('td', { class: 'mgv-num' }, fmt(m.grad)),
          el('td', { class: 'mgv-num' }, fmt(m.now)))));
        stepPanel.hidden = false;
      }

      function reset() {
        for (const i of Object.keys(start)) setters[i](start[i]);
        ops[out] = nodes[out].op;
        rates.value = String(trace.learning_rate);
        steps = 0;
        stepNote = '';
        stepTable.replaceChildren();
        stepPanel.hidden = true;
        update();
      }

      function describeNode(i) {
        const node = nodes[i];
        const text = [`${node.label}`, `data ${fmt(result.data[i])}`,
                      `grad ${fmt(result.grad[i])}`];
        if (node.children.length) {
          const numbers = node.children.map((c) => fmt(result.data[c]));
          const op = { op: ops[i], children: node.children };
          const view = nodes.slice();
          view[i] = Object.assign({}, node, op);
          text.push(`operation ${opSymbol(ops[i])}`,
                    `${node.label} = ` +
                    `${formula(view, i, (c) => nodes[c].label)} = ` +
                    `${formula(view, i,
                               (c) => numbers[node.children.indexOf(c)])}` +
                    ` = ${fmt(result.data[i])}`);
        } else {
          text.push('an input: move its slider');
        }
        return text.join(' · ');
      }

      drawn.handles.forEach((handle, i) => {
        inspectable(handle.group, null, () => describeNode(i), info);
      });

      function update() {
        result = evaluate(nodes, leaves, ops, out);
        const input = nodes[out].children[0];
        const dead = ops[out] === 'ReLU' && !(result.data[out] > 0);
        nodes.forEach((node, i) => {
          const handle = drawn.handles[i];
          handle.data.textContent = `data ${fmt(result.data[i])}`;
          handle.grad.textContent = `grad ${fmt(result.grad[i])}`;
          handle.group.classList.toggle('mgv-dead', dead && i !== out);
          handle.group.dataset.data = String(result.data[i]);
          handle.group.dataset.grad = String(result.grad[i]);
          if (handle.op) {
            handle.op.querySelector('text').textContent =
              opSymbol(ops[i]).slice(0, 4);
            handle.op.classList.toggle('mgv-dead', dead && i !== out);
          }
        });
        for (const path of drawn.picture.querySelectorAll('.mgv-edge')) {
          path.classList.toggle('mgv-dead', dead);
        }
        for (const choice of choices) {
          choice.setAttribute('aria-pressed',
                              String(choice.dataset.op === ops[out]));
        }
        const n = nodes[input].label;
        const o = nodes[out].label;
        let text = `${n} = ${fmt(result.data[input])}, ${o} = ` +
          `${ops[out]}(${n}) = ${fmt(result.data[out])}.`;
        if (dead) {
          text += ` The ReLU is dead: ${n} is not above 0, so its local ` +
            'derivative is 0 and no gradient flows back; every gradient ' +
            'behind it is 0.';
        } else {
          text += ` Local derivative of ${ops[out]}: ` +
            `${fmt(result.grad[input])}.`;
        }
        summary.textContent = text + stepNote;
        table.replaceChildren(
          el('caption', {}, 'Every value of the neuron'),
          el('tr', {}, el('th', { scope: 'col' }, 'value'),
             el('th', { scope: 'col' }, 'data'),
             el('th', { scope: 'col' }, 'grad')),
          ...nodes.map((node, i) => el('tr', { 'data-node': i },
            el('th', { scope: 'row' }, node.label),
            el('td', { class: 'mgv-num' }, fmt(result.data[i])),
            el('td', { class: dead && i !== out ? 'mgv-num mgv-zero'
                                                : 'mgv-num' },
               fmt(result.grad[i])))));
      }

      // On a phone the graph keeps a readable size and scrolls sideways.
      const stage = scroller(drawn.picture, geometry.width, 'the neuron',
                             'Scroll sideways, or tab to a value, to see ' +
                             'the whole neuron.');
      root.append(sliders,
                  el('div', { class: 'mgv-row' }, chooser, stepper),
                  stage.element,
                  info.panel, summary, stepPanel,
                  el('details', { class: 'mgv-more' },
                     el('summary', {}, 'All values as a table'), table));
      stepPanel.hidden = true;
      update();
    }

    // -- colour scales -----------------------------------------------------

    // A value in [-1, 1] as a fill: the positive or negative colour, more
    // opaque the larger it is.
    function shade(rect, value) {
      rect.setAttribute('class',
                        value >= 0 ? 'mgv-pos-fill' : 'mgv-neg-fill');
      rect.setAttribute('fill-opacity',
                        (0.08 + 0.72 * Math.abs(value)).toFixed(3));
    }

    function bytes(text) {
      const raw = atob(text);
      const out = new Int8Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
      return out;
    }

    // A heatmap of the plane's n × n grid, with points on top: `size` is
    // the longer side, and the picture keeps the plane's proportions.
    function heatmap(plane, size, points, labels, title) {
      const { xmin, xmax, ymin, ymax, n } = plane;
      const scale = size / Math.max(xmax - xmin, ymax - ymin);
      const w = (xmax - xmin) * scale;
      const h = (ymax - ymin) * scale;
      const m = { left: 34, bottom: 30, top: 6, right: 6 };
      const sx = (x) => m.left + (x - xmin) * scale;
      const sy = (y) => m.top + (ymax - y) * scale;
      const picture = sv('svg', {
        class: 'mgv-svg mgv-heat', role: 'img', 'aria-label': title,
        viewBox: viewBox(w + m.left + m.right, h + m.top + m.bottom) });
      const cells = [];
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          const rect = sv('rect', { x: m.left + c * w / n,
                                    y: m.top + (n - 1 - r) * h / n,
                                    width: w / n + 0.3,
                                    height: h / n + 0.3 });
          cells.push(rect);
          picture.append(rect);
        }
      }
      picture.append(sv('rect', { x: m.left, y: m.top, width: w,
                                  height: h, class: 'mgv-frame' }));
      const tick = (x, y, anchor, text) => picture.append(sv('text', {
        x, y, 'text-anchor': anchor, class: 'mgv-tick' }, text));
      for (const t of ticks(xmin, xmax)) {
        tick(sx(t), m.top + h + 14, 'middle', t);
      }
      for (const t of ticks(ymin, ymax)) {
        tick(m.left - 4, sy(t) + 4, 'end', t);
      }
      tick(m.left + w / 2, h + m.top + m.bottom - 2, 'middle', 'x');
      tick(9, m.top + h / 2, 'middle', 'y');
      const rings = (points || []).map((p, i) => {
        const x = sx(p[0]);
        const y = sy(p[1]);
        const mark = labels[i] > 0
          ? sv('rect', { x: x - 3.6, y: y - 3.6, width: 7.2, height: 7.2,
                         class: 'mgv-point mgv-pos-point' })
          : sv('circle', { cx: x, cy: y, r: 4,
                           class: 'mgv-point mgv-neg-point' });
        const ring = sv('circle', { cx: x, cy: y, r: 7.5,
                                    class: 'mgv-wrong' });
        ring.style.display = 'none';
        picture.append(mark, ring);
        return ring;
      });
      return {
        picture,
        paint(values, full) {
          values.forEach((v, i) => shade(cells[i], v / full));
        },
        mark(wrong) {
          const set = new Set(wrong);
          rings.forEach((ring, i) => {
            ring.style.display = set.has(i) ? '' : 'none';
          });
        },
      };
    }

    function ticks(lo, hi) {
      const span = hi - lo;
      const step = span > 6 ? 2 : span > 2.5 ? 1 : 0.5;
      const out = [];
      for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) {
        out.push(Number(t.toFixed(2)));
      }
      return out;
    }

    // -- figure 3: a network learning --------------------------------------

    // A network's weights as lines whose width grows with |w|, on screen
    // pixels whatever the figure's scale, never thinner than 1.25 px so
    // that the smallest weights stay visible.
    function weightWidth(w) {
      return Math.min(8, Math.max(1.25, 3 * Math.abs(w)));
    }

    function networkFigure(root, trace) {
      const sizes = trace.sizes;
      const frames = trace.frames;
      const last = sizes.length - 1;
      const count = trace.inputs.length;
      // Geometry: one column per layer, then the loss; under each neuron
      // a pill for its numbers (its output and, after backward, its grad).
      const width = 560;
      const pillW = 86;
      const gap = 70;
      const most = Math.max(2, ...sizes);
      const height = 22 + (most - 1) * gap + 52;
      const lossBox = { x: width - 44, w: 80, h: 30 };
      const layerX = sizes.map((_, l) => pillW / 2 + 4 + l *
        (lossBox.x - lossBox.w / 2 - 64 - pillW / 2 - 4) / last);
      const place = sizes.map((size, l) => Array.from(
        { length: size }, (_, j) => ({
          x: layerX[l], y: 22 + ((most - size) / 2 + j) * gap })));
      const outputAt = place[last][0];
      const picture = sv('svg', { class: 'mgv-svg mgv-net',
                                  viewBox: viewBox(width, height),
                                  role: 'group',
                                  'aria-label': 'The network: one line ' +
                                                'per weight' });
      const info = details('Point at a weight or a neuron, or tab to it.');
      const neuronName = (l, j) => (l === 0 ? `input x${j + 1}` :
        l === last ? 'the output neuron' : `layer ${l}, neuron ${j + 1}`);
      const layerName = (l) => (l === last ? 'the output neuron' :
                                `layer ${l}`);
      let frame = frames[0];
      let selected = [last, 0];
      // The passes of one example: which one, and how far they have gone.
      // Phase 0 shows none; phases 1 to forwardEnd the forward pass, layer
      // by layer and then the loss; the rest the backward pass.
      const forwardEnd = sizes.length + 1;
      const passEnd = forwardEnd + sizes.length;
      let example = 0;
      let phase = 0;
      let timer = null;
      const valuesKnown = (l) => phase >= l + 1;
      const gradsKnown = (l) => l > 0 && phase >= forwardEnd + 1 + last - l;
      const partsKnown = (l) => phase >= forwardEnd + 2 + last - l;
      const current = () => frame.passes[example];

      const edgeLayer = sv('g');
      const numberLayer = sv('g');
      picture.append(edgeLayer);

      // The lines: one per weight, each a group of three: the weight, a
      // pulse that shows a pass flowing along it, and a wide invisible
      // line that is easier to point at.
      const lines = [];
      for (let l = 1; l < sizes.length; l++) {
        for (let j = 0; j < sizes[l]; j++) {
          for (let i = 0; i < sizes[l - 1]; i++) {
            const a = place[l - 1][i];
            const b = place[l][j];
            const ends = { x1: a.x + 15, y1: a.y, x2: b.x - 15, y2: b.y };
            const line = sv('line', Object.assign(
              { class: 'mgv-weight', 'vector-effect': 'non-scaling-stroke' },
              ends));
            const pulse = sv('line', Object.assign({ class: 'mgv-pulse' },
                                                   ends));
            const hit = sv('line', Object.assign(
              { class: 'mgv-hit', 'vector-effect': 'non-scaling-stroke' },
              ends));
            const group = sv('g', { 'data-weight': `${l}-${j}-${i}`,
                                    class: 'mgv-wline' }, line, pulse, hit);
            edgeLayer.append(group);
            const edge = { l, j, i, line, pulse, group };
            lines.push(edge);
            inspectable(group, `weight from ${neuronName(l - 1, i)} to ` +
              `${neuronName(l, j)}`, () => {
              hot(edge, true);
              return describeWeight(edge);
            }, info);
            group.addEventListener('mouseleave', () => {
              if (document.activeElement !== group) hot(edge, false);
            });
            group.addEventListener('blur', () => hot(edge, false));
          }
        }
      }
      // The loss, after the output neuron.
      const lossLine = sv('line', { x1: outputAt.x + 15, y1: outputAt.y,
                                    x2: lossBox.x - lossBox.w / 2,
                                    y2: outputAt.y, class: 'mgv-edge' });
      const lossPulse = sv('line', { x1: outputAt.x + 15, y1: outputAt.y,
                                     x2: lossBox.x - lossBox.w / 2,
                                     y2: outputAt.y, class: 'mgv-pulse' });
      edgeLayer.append(lossLine, lossPulse);

      // A neuron's numbers, in a pill under it: data, then grad.
      function numbers(x, y) {
        const back = sv('rect', { x: x - pillW / 2, y, width: pillW,
                                  height: 30, rx: 5, class: 'mgv-pill' });
        const data = sv('text', { x, y: y + 12, 'text-anchor': 'middle',
                                  class: 'mgv-num mgv-net-num' });
        const grad = sv('text', { x, y: y + 25, 'text-anchor': 'middle',
                                  class: 'mgv-num mgv-net-num' });
        const group = sv('g', { class: 'mgv-numbers' }, back, data, grad);
        numberLayer.append(group);
        return {
          group, data, grad,
          set(value, gradient) {
            group.style.display = value === null ? 'none' : '';
            data.textContent = value === null ? '' : `data ${fmt(value)}`;
            grad.textContent = gradient === null ? ''
              : `grad ${fmt(gradient)}`;
            back.setAttribute('height', gradient === null ? 17 : 30);
            group.dataset.data = value === null ? '' : String(value);
            group.dataset.grad = gradient === null ? '' : String(gradient);
          },
        };
      }

      const circles = [];
      sizes.forEach((size, l) => {
        for (let j = 0; j < size; j++) {
          const { x, y } = place[l][j];
          const circle = sv('circle', { cx: x, cy: y, r: 15,
                                        class: 'mgv-neuron' });
          const label = l === 0 ? `x${j + 1}` : trace.activations[l - 1];
          const group = sv('g', { 'data-neuron': `${l}-${j}` }, circle,
                           sv('text', { x, y: y + 4, 'text-anchor': 'middle',
                                        class: 'mgv-tick' }, label));
          picture.append(group);
          const shown = numbers(x, y + 18);
          circles.push({ l, j, group, shown });
          const name = l === 0 ? neuronName(l, j)
                               : `${neuronName(l, j)}, ${label}`;
          inspectable(group, name, () => describeNeuron(l, j), info);
        }
      });
      const lossGroup = sv('g', { 'data-neuron': 'loss', class: 'mgv-loss' },
        sv('rect', { x: lossBox.x - lossBox.w / 2,
                     y: outputAt.y - lossBox.h / 2, width: lossBox.w,
                     height: lossBox.h, rx: 6, class: 'mgv-neuron' }),
        sv('text', { x: lossBox.x, y: outputAt.y + 4,
                     'text-anchor': 'middle', class: 'mgv-tick' },
           `(y − t)² / ${count}`));
      picture.append(lossGroup);
      const lossShown = numbers(lossBox.x, outputAt.y + 18);
      picture.append(numberLayer);

      const circleAt = (l, j) => circles.find((c) => c.l === l && c.j === j);

      // On a phone the drawing scrolls sideways: bring what the keyboard
      // focuses into view.
      for (const node of picture.querySelectorAll('[tabindex]')) {
        node.addEventListener('focus', () => {
          const scroller = picture.parentNode;
          const box = node.getBoundingClientRect();
          const view = scroller.getBoundingClientRect();
          if (box.left < view.left) {
            scroller.scrollLeft -= view.left - box.left + 8;
          } else if (box.right > view.right) {
            scroller.scrollLeft += box.right - view.right + 8;
          }
        });
      }

      // Pointing at a weight (or tabbing to it) lights it up, with the two
      // neurons it joins, and dims the others.
      function hot(edge, on) {
        edge.group.classList.toggle('mgv-hot', on);
        circleAt(edge.l - 1, edge.i).group.classList.toggle('mgv-end', on);
        circleAt(edge.l, edge.j).group.classList.toggle('mgv-end', on);
        picture.classList.toggle('mgv-pointing',
                                 !!picture.querySelector('.mgv-hot'));
      }

      function describeWeight({ l, j, i }) {
        const w = frame.weights[l - 1][j][i];
        const g = frame.grads[l - 1][j][i];
        let text = `Weight from ${neuronName(l - 1, i)} to ` +
          `${neuronName(l, j)}: w = ${fmt(w)}, ∂L/∂w = ${fmt(g)} ` +
          `(step ${frame.step}). The next update changes it by ` +
          `${fmt(-trace.learning_rate * g)}.`;
        if (partsKnown(l)) {
          text += ` Example ${example + 1}'s part of ∂L/∂w, from its ` +
            `backward pass: ${fmt(current().grads[l - 1][j][i])}.`;
        }
        return text;
      }

      function describeNeuron(l, j) {
        if (l === 0) {
          const axis = j ? 'vertical' : 'horizontal';
          return `Input x${j + 1}: the ${axis} coordinate of a point of ` +
            'the plane.';
        }
        select(l, j);
        const b = frame.biases[l - 1][j];
        const g = frame.bias_grads[l - 1][j];
        return `${neuronName(l, j)} (${trace.activations[l - 1]}): ` +
          `bias ${fmt(b)}, ∂L/∂b = ${fmt(g)} (step ${frame.step}). ` +
          'Its activation over the input plane is on the right.';
      }

      const plane = heatmap(trace.plane, 200, trace.inputs, trace.targets,
                            'Activity of the selected neuron over the ' +
                            'plane');
      const planeTitle = el('p', { class: 'mgv-caption' });
      const loss = curve(frames.map((f) => f.loss), 'loss', (v) => fmt(v),
                         true);

      function select(l, j) {
        selected = [l, j];
        paintPlane();
      }

      function paintPlane() {
        const [l, j] = selected;
        let offset = 0;
        for (let k = 1; k < l; k++) offset += sizes[k];
        const n = trace.plane.n * trace.plane.n;
        const all = bytes(frame.activity);
        const values = Array.from(all.subarray((offset + j) * n,
                                               (offset + j + 1) * n));
        plane.paint(values, 127);
        plane.mark(phase > 0 ? [example] : []);
        for (const c of circles) {
          c.group.classList.toggle('mgv-selected', c.l === l && c.j === j);
        }
        planeTitle.textContent = `${neuronName(l, j)}: its activation at ` +
          `every point of the plane, step ${frame.step} (blue: positive, ` +
          'orange: negative; squares are targets +1, circles −1' +
          (phase > 0 ? '; the ring marks the example of the passes).' :
            ').');
      }

      const legend = sv('svg', { class: 'mgv-svg mgv-legend',
                                 viewBox: viewBox(width, 44), role: 'img',
                                 'aria-label': 'Legend: line width is ' +
                                   'proportional to |w|, and at least ' +
                                   '1.25 pixels; blue solid lines are ' +
                                   'positive weights, orange dashed lines ' +
                                   'negative ones' });
      let x = 4;
      for (const [w, text] of [[0.4, '|w| ≤ 0.4'], [1, '|w| = 1'],
                               [2, '|w| = 2']]) {
        legend.append(sv('line', { x1: x, y1: 12, x2: x + 34, y2: 12,
                                   class: 'mgv-weight mgv-pos-line',
                                   'vector-effect': 'non-scaling-stroke',
                                   'stroke-width': weightWidth(w) }),
                      sv('text', { x: x + 40, y: 16, class: 'mgv-tick' },
                         text));
        x += 130;
      }
      legend.append(
        sv('line', { x1: 4, y1: 31, x2: 38, y2: 31,
                     'vector-effect': 'non-scaling-stroke',
                     class: 'mgv-weight mgv-pos-line', 'stroke-width': 2 }),
        sv('text', { x: 44, y: 35, class: 'mgv-tick' }, 'positive'),
        sv('line', { x1: 134, y1: 31, x2: 168, y2: 31,
                     'vector-effect': 'non-scaling-stroke',
                     class: 'mgv-weight mgv-neg-line', 'stroke-width': 2 }),
        sv('text', { x: 174, y: 35, class: 'mgv-tick' }, 'negative'),
        sv('text', { x: 264, y: 35, class: 'mgv-tick' },
           'under a neuron: its data, then its grad'));

      // -- one example's forward and backward pass --------------------------

      const point = (i) => `(${trace.inputs[i].join(', ')})`;
      const chooser = el('select', {
        class: 'mgv-select', 'aria-label': 'Example for the passes',
        onchange: () => { example = Number(chooser.value); drawPass(); },
      }, trace.inputs.map((_, i) => el('option', { value: i },
        `${i + 1}: x = ${point(i)}, target ${trace.targets[i]}`)));
      const forwardButton = button('Forward pass', () => run(1, forwardEnd));
      const backwardButton = button('Backward pass',
                                    () => run(forwardEnd + 1, passEnd));
      const passNarration = el('div', { class: 'mgv-narration mgv-passes',
                                        role: 'status',
                                        'aria-live': 'polite' });
      const passBar = el('div', { class: 'mgv-controls', role: 'group',
                                  'aria-label': 'One example\'s passes' },
                         el('label', { class: 'mgv-label' }, 'Example ',
                            chooser),
                         forwardButton, backwardButton);

      // Play the phases from `from` to `to`, one every 0.9 s; with reduced
      // motion, show the last at once. The backward pass starts where the
      // forward pass ends, so its numbers are all there.
      function run(from, to) {
        clearInterval(timer);
        timer = null;
        if (reducedMotion()) {
          phase = to;
          drawPass();
          return;
        }
        phase = from;
        drawPass();
        timer = setInterval(() => {
          if (phase >= to) {
            clearInterval(timer);
            timer = null;
            return;
          }
          phase += 1;
          drawPass();
        }, 900);
      }

      // Which lines a pass flows along at this phase: the weights into
      // layer l forwards, or backwards; 'loss' for the loss's own line.
      function flowing() {
        if (phase >= 2 && phase <= last + 1) return [phase - 1, 'forward'];
        if (phase === forwardEnd) return ['loss', 'forward'];
        if (phase === forwardEnd + 1) return ['loss', 'backward'];
        if (phase > forwardEnd + 1) {
          return [last - (phase - forwardEnd - 2), 'backward'];
        }
        return [null, null];
      }

      function drawPass() {
        const pass = current();
        root.dataset.passPhase = String(phase);
        root.dataset.example = String(example);
        circles.forEach(({ l, j, shown, group }) => {
          const value = l === 0 ? trace.inputs[example][j]
                                : pass.outputs[l - 1][j];
          shown.set(valuesKnown(l) ? value : null,
                    gradsKnown(l) ? pass.output_grads[l - 1][j] : null);
        });
        lossShown.set(phase >= forwardEnd ? pass.loss : null,
                      phase > forwardEnd ? 1 : null);
        const [flow, direction] = flowing();
        for (const edge of lines) {
          const on = edge.l === flow;
          edge.pulse.setAttribute('class', on
            ? `mgv-pulse mgv-flow-${direction}` : 'mgv-pulse');
          if (partsKnown(edge.l)) {
            edge.group.dataset.part = String(
              pass.grads[edge.l - 1][edge.j][edge.i]);
          } else {
            delete edge.group.dataset.part;
          }
        }
        lossPulse.setAttribute('class', flow === 'loss'
          ? `mgv-pulse mgv-flow-${direction}` : 'mgv-pulse');
        // The neurons the pass has just reached.
        const layer = phase === 1 ? 0 : direction === 'forward' ? flow
          : flow === 'loss' ? last : flow - 1;
        for (const c of circles) {
          c.group.classList.toggle('mgv-passing-forward',
            c.l === layer && (phase === 1 || direction === 'forward'));
          c.group.classList.toggle('mgv-passing-backward',
            c.l === layer && c.l > 0 && direction === 'backward');
        }
        lossGroup.classList.toggle('mgv-passing-forward',
                                   phase === forwardEnd);
        lossGroup.classList.toggle('mgv-passing-backward',
                                   phase === forwardEnd + 1);
        paintPlane();
        passNarration.replaceChildren(
          ...[].concat(narratePass()).map((line) => el('div', {}, line)));
      }

      function narratePass() {
        const pass = current();
        const x = trace.inputs[example];
        const t = trace.targets[example];
        const y = pass.outputs[last - 1][0];
        const list = (values) => values.map((v) => fmt(v)).join(', ');
        const about = `example ${example + 1}, x = ${point(example)}, ` +
          `target ${t}, at step ${frame.step}`;
        if (phase === 0) {
          return 'Choose an example and press Forward pass: its numbers ' +
            'go through the network layer by layer, as data; then ' +
            'Backward pass: gradients flow back, from the loss to the ' +
            'first layer.';
        }
        if (phase === 1) {
          return `Forward pass, ${about}: the inputs are x1 = ` +
            `${fmt(x[0])} and x2 = ${fmt(x[1])}.`;
        }
        if (phase <= last + 1) {
          const l = phase - 1;
          const act = trace.activations[l - 1];
          const before = l === 1 ? 'the inputs' : `layer ${l - 1}`;
          if (l === last) {
            return `Forward, the output neuron computes ${act}(b + Σ w·x) ` +
              `from the numbers of ${before}: y = ${fmt(y)}.`;
          }
          return `Forward, ${layerName(l)}: each neuron computes ` +
            `${act}(b + Σ w·x) from the numbers of ${before}: ` +
            `${list(pass.outputs[l - 1])}.`;
        }
        if (phase === forwardEnd) {
          return `Forward, the loss: this example's term is ` +
            `(y − t)² / ${count} = (${fmt(y)} − ${fmt(t)})² / ${count} = ` +
            `${fmt(pass.loss)}. The loss L is the sum of the ${count} ` +
            `examples' terms: ${fmt(frame.loss)} at this step.`;
        }
        if (phase === forwardEnd + 1) {
          return `Backward pass, ${about}: L is the sum of the terms, so ` +
            'this term\'s grad is 1, as L\'s own is; the output ' +
            `neuron's is 2 (y − t) / ${count} = ` +
            `${fmt(pass.output_grads[last - 1][0])}.`;
        }
        const l = last - (phase - forwardEnd - 2);
        const parts = pass.grads[l - 1].flat();
        const largest = parts.reduce((a, b) =>
          (Math.abs(b) > Math.abs(a) ? b : a));
        const lines = [`Backward, the weights into ${layerName(l)}: the ` +
          'grad of each is its input times the grad of its neuron\'s sum ' +
          `b + Σ w·x; the largest is ${fmt(largest)}.`];
        if (l > 1) {
          lines.push(`${layerName(l - 1)[0].toUpperCase()}` +
            `${layerName(l - 1).slice(1)}'s neurons add up, with +=, ` +
            `what flows back along their lines: grad ` +
            `${list(pass.output_grads[l - 2])}.`);
        } else {
          lines.push(`Done: these are example ${example + 1}'s parts of ` +
            `the gradients. backward() on the whole loss adds the parts of ` +
            `all ${count} examples; point at a weight for both.`);
        }
        return lines;
      }

      function show(k) {
        frame = frames[k];
        for (const { l, j, i, line, group } of lines) {
          const w = frame.weights[l - 1][j][i];
          line.setAttribute('stroke-width', weightWidth(w).toFixed(2));
          line.setAttribute('class', 'mgv-weight ' +
                            (w >= 0 ? 'mgv-pos-line' : 'mgv-neg-line'));
          group.dataset.w = String(w);
          group.dataset.grad = String(frame.grads[l - 1][j][i]);
        }
        drawPass();
        loss.at(k);
        const focused = lines.find((e) => e.group.classList.contains(
          'mgv-hot'));
        if (focused) info.show(describeWeight(focused));
        const before = k === 0 ? 'Before training, with random weights' :
          `After ${k} update${k === 1 ? '' : 's'}`;
        let steepest = lines[0];
        for (const line of lines) {
          const g = frame.grads[line.l - 1][line.j][line.i];
          const best = frame.grads[steepest.l - 1][steepest.j][steepest.i];
          if (Math.abs(g) > Math.abs(best)) steepest = line;
        }
        const { l, j, i } = steepest;
        const w = frame.weights[l - 1][j][i];
        return [`${before}: loss ${fmt(frame.loss)}.`,
                `The steepest weight, from ${neuronName(l - 1, i)} to ` +
                `${neuronName(l, j)}: w = ${fmt(w)}, ∂L/∂w = ` +
                `${fmt(frame.grads[l - 1][j][i])}.`];
      }

      const controls = player(frames.length, show, 'Training step');
      // On a phone the network keeps a readable size, and scrolls sideways.
      root.append(
        el('div', { class: 'mgv-row' },
           el('div', { class: 'mgv-stage mgv-net-stage' },
              el('div', { class: 'mgv-scroll' }, picture, legend),
              el('div', { class: 'mgv-net-loss' }, loss.element)),
           el('div', { class: 'mgv-side' }, plane.picture, planeTitle)),
        info.panel, controls.bar, controls.narration, passBar,
        passNarration);
      controls.go(0);
    }

    // -- figure 4: the training loop, on four data sets ---------------------

    // A curve of values[k] for steps first + k (first: 0 unless given).
    function curve(values, title, format, log, first = 0) {
      const width = 300;
      const height = 150;
      const m = { left: 44, right: 8, top: 8, bottom: 28 };
      const f = log ? Math.log10 : (v) => v;
      const lo = log ? Math.floor(Math.log10(Math.min(...values))) : 0;
      const hi = log ? Math.ceil(Math.log10(Math.max(...values))) : 1;
      const sx = (k) => m.left + k / (values.length - 1) *
        (width - m.left - m.right);
      const sy = (v) => m.top + (hi - f(v)) / (hi - lo) *
        (height - m.top - m.bottom);
      const picture = sv('svg', { class: 'mgv-svg mgv-curve',
                                  viewBox: viewBox(width, height),
                                  role: 'img', 'aria-label': title });
      picture.append(sv('rect', { x: m.left, y: m.top,
                                  width: width - m.left - m.right,
                                  height: height - m.top - m.bottom,
                                  class: 'mgv-frame' }));
      const yticks = log
        ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i))
        : [0, 0.5, 1];
      for (const t of yticks) {
        picture.append(sv('text', { x: m.left - 4, y: sy(t) + 4,
                                    'text-anchor': 'end', class: 'mgv-tick' },
                          log ? String(t) : `${100 * t} %`));
      }
      const last = values.length - 1;
      for (const t of [0, last]) {
        picture.append(sv('text', { x: sx(t), y: height - 12,
                                    'text-anchor': 'middle',
                                    class: 'mgv-tick' }, t + first));
      }
      picture.append(sv('text', { x: sx(last / 2), y: height - 12,
                                  'text-anchor': 'middle',
                                  class: 'mgv-tick' }, 'step'));
      picture.append(sv('polyline', {
        class: 'mgv-line',
        points: values.map(
          (v, k) => `${sx(k).toFixed(1)},${sy(v).toFixed(1)}`).join(' '),
      }));
      const cursor = sv('line', { y1: m.top, y2: height - m.bottom,
                                  class: 'mgv-cursor' });
      const dot = sv('circle', { r: 3.5, class: 'mgv-dot' });
      picture.append(cursor, dot);
      const readout = el('p', { class: 'mgv-readout' });
      let current = 0;

      function point(k, hover) {
        cursor.setAttribute('x1', sx(k));
        cursor.setAttribute('x2', sx(k));
        dot.setAttribute('cx', sx(k));
        dot.setAttribute('cy', sy(values[k]));
        readout.textContent = `${title}${hover ? '' : ' now'}: ` +
          `step ${k + first}, ` +
          `${format(values[k])}`;
        readout.dataset.step = String(k);
      }
      picture.addEventListener('mousemove', (event) => {
        const box = picture.getBoundingClientRect();
        const x = (event.clientX - box.left) / box.width * width;
        const k = Math.round((x - m.left) /
                             (width - m.left - m.right) * last);
        point(Math.max(0, Math.min(last, k)), true);
      });
      picture.addEventListener('mouseleave', () => point(current, false));
      return {
        element: el('div', { class: 'mgv-plot' }, readout, picture),
        at(k) { current = k; point(k, false); },
      };
    }

    function loopFigure(root, trace) {
      const runs = trace.runs;
      const view = el('div', { class: 'mgv-row' });
      let chosen = 0;
      let controls = null;
      const choices = runs.map((run, r) => button(
        run.name, () => choose(r),
        { 'aria-pressed': String(r === 0), 'data-run': run.name,
          'aria-label': `data set: ${run.name}` }));
      const chooser = el('div', { class: 'mgv-choice', role: 'group',
                                  'aria-label': 'Data set' },
                         el('span', {}, 'data set:'), ...choices);
      const about = el('p', { class: 'mgv-caption' });
      const slot = el('div');

      function choose(r) {
        if (controls) controls.stop();
        chosen = r;
        choices.forEach((choice, i) => {
          choice.setAttribute('aria-pressed', String(i === r));
        });
        const run = runs[r];
        const plane = heatmap(run.plane, 260, run.points, run.labels,
                              `Decision boundary, ${run.name}`);
        const loss = curve(run.loss, 'loss', (v) => fmt(v), true);
        const accuracy = curve(run.accuracy, 'accuracy', percent, false);
        about.textContent = `${run.name}: ${run.points.length} points, ` +
          `${run.model}, ${run.loss.length - 1} steps; the boundary is ` +
          `drawn every ${run.every} steps. Blue: the network says +1 ` +
          '(squares); orange: −1 (circles); rings mark misclassified ' +
          'points.';
        view.replaceChildren(
          el('div', { class: 'mgv-stage' }, plane.picture),
          el('div', { class: 'mgv-side' }, loss.element, accuracy.element));
        function show(k) {
          const frame = run.frames[k];
          plane.paint(Array.from(bytes(frame.scores)), 127);
          plane.mark(frame.wrong);
          loss.at(frame.step);
          accuracy.at(frame.step);
          root.dataset.step = String(frame.step);
          const n = frame.wrong.length;
          const last = run.loss.length - 1;
          return `${run.name}, step ${frame.step} of ${last}: ` +
            `loss ${fmt(run.loss[frame.step])}, accuracy ` +
            `${percent(run.accuracy[frame.step])}, ${n} point` +
            `${n === 1 ? '' : 's'} misclassified.`;
        }
        // One counter, in training steps (a frame is drawn every few).
        const lastStep = run.loss.length - 1;
        controls = player(run.frames.length, show, 'Step',
                          (k) => `step ${run.frames[k].step} of ${lastStep}`);
        slot.replaceChildren(controls.bar, controls.narration);
        controls.go(0);
        root.dataset.run = run.name;
      }

      root.append(chooser, about, view, slot);
      choose(0);
    }

    // -- putting figures in the page ---------------------------------------

    // The colours are not written here: they come from the book's palette,
    // micrograd/static/palette.json, which Python puts in the page just
    // before this file (player_script in micrograd/figures.py). Each role, `pos`
    // say, becomes a CSS variable, --mgv-pos, with a value for light pages
    // and one for dark pages.
    const PALETTE = window.microgradPalette;
    if (!PALETTE) {
      throw new Error('the player has no colours: give it the palette, ' +
                      'as player_script() in micrograd/figures.py does');
    }
    const colours = (mode) => Object.entries(PALETTE[mode])
      .map(([role, colour]) => `--mgv-${role}:${colour};`).join('');

    const STYLE = `
.mgv{${colours('light')}color:var(--mgv-fg);background:var(--mgv-bg);
border:1px solid var(--mgv-border);border-radius:8px;padding:10px 12px;
margin:8px 0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
max-width:100%;box-sizing:border-box;text-align:left}
html[data-theme=dark] .mgv,body[data-jp-theme-light=false] .mgv,.mgv.mgv-dark{
${colours('dark')}}
.mgv svg.mgv-svg,html[data-theme=dark] .cell_output .mgv svg{background:none;
padding:0;border-radius:0;display:block;width:100%;height:auto}
.mgv .mgv-stage{flex:1 1 380px;min-width:0}
.mgv svg.mgv-heat{max-width:440px}
.mgv .mgv-heat{${colours('light')}}
.mgv svg.mgv-heat,html[data-theme=dark] .cell_output .mgv svg.mgv-heat{
background:var(--mgv-bg);border-radius:4px}
.mgv .mgv-side{flex:1 1 240px;min-width:0;max-width:340px}
.mgv .mgv-row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
.mgv .mgv-controls,.mgv .mgv-choice,.mgv .mgv-sliders{display:flex;
flex-wrap:wrap;gap:6px;align-items:center;margin:6px 0}
.mgv .mgv-button{font:inherit;color:var(--mgv-fg);background:var(--mgv-panel);
border:1px solid var(--mgv-border);border-radius:6px;padding:3px 10px;
cursor:pointer;min-height:30px}
.mgv .mgv-button[aria-pressed=true]{background:var(--mgv-fg);
color:var(--mgv-bg);border-color:var(--mgv-fg)}
.mgv .mgv-button[aria-disabled=true]{opacity:.55;cursor:default}
.mgv :focus-visible{outline:3px solid var(--mgv-focus);outline-offset:2px}
.mgv g:focus-visible{outline:none}
.mgv g:focus-visible rect,.mgv g:focus-visible circle{stroke:var(--mgv-focus);
stroke-width:3.5}
.mgv .mgv-scrub{flex:1 1 160px;min-width:120px;accent-color:var(--mgv-focus)}
.mgv .mgv-counter{color:var(--mgv-muted);font-variant-numeric:tabular-nums;
min-width:9em}
.mgv .mgv-narration{background:var(--mgv-panel);border-radius:6px;
padding:6px 10px;margin:6px 0;min-height:2.9em}
.mgv .mgv-details,.mgv .mgv-caption,.mgv .mgv-readout{color:var(--mgv-muted);
margin:4px 0;font-size:13px;min-height:1.45em}
.mgv .mgv-sliders{column-gap:14px}
.mgv .mgv-slider{display:flex;align-items:center;gap:6px;flex:1 1 200px}
.mgv .mgv-slider input{flex:1;min-width:80px;accent-color:var(--mgv-focus)}
.mgv .mgv-num{font-variant-numeric:tabular-nums;
font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.mgv output.mgv-num{min-width:5.2em;text-align:right}
.mgv .mgv-name{font-weight:600}
.mgv table.mgv-table{border-collapse:collapse;margin:4px 0}
.mgv .mgv-table th,.mgv .mgv-table td{padding:1px 10px;text-align:right;
border-bottom:1px solid var(--mgv-border)}
.mgv .mgv-table caption{text-align:left;color:var(--mgv-muted)}
.mgv .mgv-step-panel{overflow-x:auto}
.mgv table.mgv-step{font-size:13px}
.mgv table.mgv-step th,.mgv table.mgv-step td{padding:1px 5px}
.mgv .mgv-rate{font:inherit;color:var(--mgv-fg);background:var(--mgv-panel);
border:1px solid var(--mgv-border);border-radius:6px;min-height:30px}
.mgv svg text{fill:var(--mgv-fg);font-size:12px;
font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
.mgv svg .mgv-num{font-size:12px}
.mgv svg .mgv-tick{font-size:11px;fill:var(--mgv-muted)}
.mgv .mgv-node rect{fill:var(--mgv-bg);stroke:var(--mgv-line);
stroke-width:1.4}
.mgv .mgv-node.mgv-current rect{stroke:var(--mgv-current);stroke-width:3.5}
.mgv .mgv-node.mgv-touched rect{stroke:var(--mgv-active);stroke-width:3.5}
.mgv .mgv-node.mgv-pending text{fill:var(--mgv-muted)}
.mgv .mgv-node.mgv-pending rect{stroke-dasharray:4 3}
.mgv .mgv-badge{font-weight:700;fill:var(--mgv-fg)}
.mgv .mgv-op circle{fill:var(--mgv-panel);stroke:var(--mgv-line)}
.mgv .mgv-op text{font-size:11px}
.mgv .mgv-edge{fill:none;stroke:var(--mgv-line);stroke-width:1.5}
.mgv .mgv-edge.mgv-active{stroke:var(--mgv-active);stroke-width:3.5}
.mgv .mgv-edge-label rect{fill:var(--mgv-bg);stroke:var(--mgv-active)}
.mgv .mgv-edge-label text{font-size:11px}
.mgv .mgv-dead rect,.mgv .mgv-dead circle{stroke:var(--mgv-dead);
fill:var(--mgv-panel)}
.mgv .mgv-dead text{fill:var(--mgv-muted)}
.mgv .mgv-edge.mgv-dead{stroke:var(--mgv-dead);stroke-dasharray:5 4}
.mgv .mgv-zero{color:var(--mgv-muted)}
.mgv .mgv-weight{stroke-linecap:round}
.mgv .mgv-pos-line{stroke:var(--mgv-pos)}
.mgv .mgv-neg-line{stroke:var(--mgv-neg);stroke-dasharray:6 3}
.mgv .mgv-hit{stroke:transparent;stroke-width:12;cursor:pointer}
.mgv .mgv-neuron{fill:var(--mgv-panel);stroke:var(--mgv-line);
stroke-width:1.4}
.mgv .mgv-selected .mgv-neuron{stroke:var(--mgv-current);stroke-width:3.5}
.mgv .mgv-pulse{fill:none;stroke:none;stroke-width:3;stroke-linecap:round}
.mgv .mgv-pulse.mgv-flow-forward{stroke:var(--mgv-fg);
stroke-dasharray:3 9}
.mgv .mgv-pulse.mgv-flow-backward{stroke:var(--mgv-active);
stroke-dasharray:3 9}
.mgv .mgv-passing-forward .mgv-neuron{stroke:var(--mgv-fg);stroke-width:3}
.mgv .mgv-passing-backward .mgv-neuron{stroke:var(--mgv-active);
stroke-width:3}
.mgv .mgv-end .mgv-neuron{stroke:var(--mgv-focus);stroke-width:3}
.mgv .mgv-pill{fill:var(--mgv-bg);stroke:var(--mgv-border);fill-opacity:.94}
.mgv svg .mgv-net-num{font-size:10.5px}
.mgv .mgv-pointing .mgv-wline:not(.mgv-hot) .mgv-weight{stroke-opacity:.3}
.mgv .mgv-wline.mgv-hot .mgv-hit{stroke:var(--mgv-focus);stroke-opacity:.3}
.mgv .mgv-select{font:inherit;color:var(--mgv-fg);background:var(--mgv-panel);
border:1px solid var(--mgv-border);border-radius:6px;padding:3px 6px;
min-height:30px;max-width:100%;min-width:0}
.mgv .mgv-label{display:inline-flex;gap:6px;align-items:center;
max-width:100%;min-width:0}
.mgv .mgv-net-stage{flex-basis:500px}
.mgv .mgv-scroll{overflow-x:auto;overflow-y:hidden}
.mgv .mgv-scroll svg.mgv-svg{min-width:500px}
.mgv .mgv-net-loss{max-width:340px}
@media (prefers-reduced-motion:no-preference){
.mgv .mgv-flow-forward{animation:mgv-forward .9s linear infinite}
.mgv .mgv-flow-backward{animation:mgv-backward .9s linear infinite}}
@keyframes mgv-forward{to{stroke-dashoffset:-12}}
@keyframes mgv-backward{to{stroke-dashoffset:12}}
.mgv .mgv-pos-fill{fill:var(--mgv-pos)}
.mgv .mgv-neg-fill{fill:var(--mgv-neg)}
.mgv .mgv-frame{fill:none;stroke:var(--mgv-line)}
.mgv .mgv-pos-point{fill:var(--mgv-pos);stroke:var(--mgv-bg);stroke-width:1}
.mgv .mgv-neg-point{fill:var(--mgv-neg);stroke:var(--mgv-bg);stroke-width:1}
.mgv .mgv-wrong{fill:none;stroke:var(--mgv-fg);stroke-width:1.8}
.mgv .mgv-line{fill:none;stroke:var(--mgv-pos);stroke-width:2}
.mgv .mgv-cursor{stroke:var(--mgv-current);stroke-width:1.5}
.mgv .mgv-dot{fill:var(--mgv-current)}
.mgv details.mgv-more summary{cursor:pointer;color:var(--mgv-muted)}
@media (prefers-reduced-motion:no-preference){
.mgv .mgv-edge.mgv-active{stroke-dasharray:7 4;
animation:mgv-flow 1s linear infinite}
.mgv .mgv-node rect{transition:stroke .25s}}
.mgv .mgv-scroller{overflow-x:auto;overflow-y:hidden}
.mgv .mgv-cue{color:var(--mgv-muted);font-size:13px;margin:2px 0 4px}
.mgv .mgv-key{list-style:none;display:flex;flex-wrap:wrap;gap:2px 16px;
margin:4px 0;padding:0;font-size:13px;color:var(--mgv-muted)}
.mgv .mgv-key li{display:flex;align-items:center;gap:5px;margin:0}
.mgv svg.mgv-swatch,html[data-theme=dark] .cell_output .mgv svg.mgv-swatch{
flex:none;display:inline-block;width:28px;height:16px;background:none;
padding:0}
.mgv .mgv-swatch rect{fill:var(--mgv-bg);stroke:var(--mgv-line);
stroke-width:1.4}
.mgv .mgv-swatch-current rect{stroke:var(--mgv-current);stroke-width:3}
.mgv .mgv-swatch-touched rect{stroke:var(--mgv-active);stroke-width:3}
.mgv .mgv-swatch-pending rect{stroke-dasharray:4 3}
.mgv .mgv-key-arrow{fill:none;stroke:var(--mgv-active);stroke-width:3.5;
stroke-dasharray:7 4}
.mgv .mgv-swatch .mgv-badge{font-size:12px}
@keyframes mgv-flow{to{stroke-dashoffset:11}}
`;

    function addStyle(doc) {
      if (doc.getElementById('mgv-style')) return;
      doc.head.append(el('style', { id: 'mgv-style' }, STYLE));
    }

    function mount(root) {
      if (root.dataset.mgvReady) return;
      root.dataset.mgvReady = 'yes';
      const source = root.querySelector('script[type="application/json"]');
      const trace = JSON.parse(source.textContent);
      const draw = KINDS[trace.kind];
      for (const note of root.querySelectorAll('.mgv-fallback')) {
        note.remove();  // the player is here: no need to say it is missing
      }
      try {
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

    // heatmap, curve, bytes and percent: for the live Loop (bookbuild/live).
    return { version: VERSION, mount, mountAll, fmt, evaluate, heatmap, curve,
             bytes, percent };
  }
})();
