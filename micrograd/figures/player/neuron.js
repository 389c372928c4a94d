/* micrograd, the book: the player of its moving pictures, part 3 of 5:
   the figure "neuron", a neuron with sliders, whose arithmetic the player
   redoes (evaluate, the one place where it computes). It draws the neuron
   with graph.js; core.js says how the five files make one script. */

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

  drawn.handles.forEach((handle, i) => {
    inspectable(handle.group, null, () => describeNode(nodes, i, {
      data: result.data, grad: result.grad, ops,
      input: 'an input: move its slider' }), info);
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

  // On a phone the graph keeps a readable size (three quarters of its
  // own) and scrolls sideways.
  const stage = scroller(drawn.picture, 0.75 * geometry.width, 'the neuron',
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

KINDS.neuron = neuronFigure;
