/* micrograd, the book: the player of its moving pictures, part 2 of 5:
   expression graphs (drawn here, and in neuron.js), and the figure "graph",
   a backward pass replayed one _backward call at a time. It uses what
   core.js defines; core.js says how the five files make one script. */

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

// A value of a graph in words: its name, data and grad (or that it is
// not computed yet), and how it is computed from its children, with
// their numbers; for an input, what `input` says. `data` and `grad` are
// every value's, by number; `ops`, if given, the operations as the reader
// chose them (the neuron's activation).
function describeNode(nodes, i, { data, grad, ops, known = true, input }) {
  const node = nodes[i];
  const parts = [node.label];
  if (known) parts.push(`data ${fmt(data[i])}`, `grad ${fmt(grad[i])}`);
  else parts.push('not computed yet');
  if (!node.children.length) return parts.concat(input).join(' · ');
  const op = ops ? ops[i] : node.op;
  const view = nodes.slice();
  view[i] = Object.assign({}, node, { op });
  parts.push(`operation ${opSymbol(op)}`,
             `${node.label} = ${formula(view, i, (c) => nodes[c].label)} = ` +
             `${formula(view, i, (c) => fmt(data[c]))} = ${fmt(data[i])}`);
  return parts.join(' · ');
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
  const data = nodes.map((node) => node.data);
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

  drawn.handles.forEach((handle, i) => {
    inspectable(handle.group, null, () => describeNode(nodes, i, {
      data, grad: state.grad, known: state.known.has(i),
      input: 'an input (no operation)' }), info);
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
      return `Forward: ${node.label} = ${formula(nodes, i, name)} = ` +
        `${formula(nodes, i, (c) => fmt(data[c]))} = ${fmt(node.data)}.`;
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
  // The drawing shrinks to three quarters of its size, no further.
  stage = scroller(drawn.picture, 0.75 * geometry.width, 'the graph',
                   'Scroll sideways, or tab to a value, to see the whole ' +
                   'graph.');
  root.append(stage.element, graphKey(), info.panel, controls.bar,
              controls.narration);
  controls.go(0);
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

KINDS.graph = graphFigure;
