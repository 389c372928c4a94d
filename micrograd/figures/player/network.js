/* micrograd, the book: the player of its moving pictures, part 5 of 5:
   the figure "network", an MLP learning, with one example's forward and
   backward passes. It draws the plane and the loss with loop.js's heatmap
   and curve; core.js says how the five files make one script. */

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
  let passTo = 0;  // the phase the passes being played stop at
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

  // On a phone the network and its legend keep a readable size, 500
  // pixels wide, and scroll sideways.
  const stage = scroller([picture, legend], 500, 'the network',
                         'Scroll sideways, or tab to a weight, to see ' +
                         'the whole network.');

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
  const passes = timer(() => {
    if (phase >= passTo) return false;
    phase += 1;
    drawPass();
    return true;
  });

  function run(from, to) {
    passes.stop();
    inView();
    if (reducedMotion()) {
      phase = to;
      drawPass();
      return;
    }
    phase = from;
    passTo = to;
    drawPass();
    passes.start(900);
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
    follow(layer, flow);
  }

  // On a phone the network scrolls sideways: while a pass plays, the
  // columns it is at (the lines into a layer, the neurons it reached, the
  // loss) are scrolled into view.
  function follow(layer, flow) {
    if (phase === 0) return;
    const column = (l) => ({ from: layerX[l] - pillW / 2,
                             to: layerX[l] + pillW / 2 });
    const loss = { from: lossBox.x - lossBox.w / 2,
                   to: Math.min(width, lossBox.x + lossBox.w / 2) };
    if (flow === 'loss' || phase === forwardEnd) {
      stage.reveal([column(last), loss]);
    } else if (typeof flow === 'number') {
      stage.reveal([column(flow - 1), column(flow)]);
    } else {
      stage.reveal([column(Math.max(0, layer))]);
    }
  }

  // When a pass starts, the network and what the pass says are brought
  // into view together if they fit the window but are not all in it
  // (with room for a page's sticky header).
  function inView() {
    const header = 72;
    const top = stage.element.getBoundingClientRect().top;
    const bottom = passNarration.getBoundingClientRect().bottom;
    if (top >= header && bottom <= window.innerHeight) return;
    if (bottom - top > window.innerHeight - header) return;
    window.scrollBy({ top: top < header ? top - header
                                        : bottom - window.innerHeight + 8,
                      behavior: reducedMotion() ? 'auto' : 'smooth' });
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
  // The passes' buttons and words sit right under the network, so that
  // what a pass changes (the output neuron, the loss, the numbers) is in
  // view with them, on a phone too.
  root.append(
    el('div', { class: 'mgv-row' },
       el('div', { class: 'mgv-stage mgv-net-stage' },
          stage.element, passBar, passNarration,
          el('div', { class: 'mgv-net-loss' }, loss.element)),
       el('div', { class: 'mgv-side' }, plane.picture, planeTitle)),
    info.panel, controls.bar, controls.narration);
  controls.go(0);
}

KINDS.network = networkFigure;
