/* micrograd, the book: the player of its moving pictures, part 4 of 5:
   pictures of training (heatmaps of the plane, curves of a value over the
   steps; network.js and the live Loop draw with them too), and the figure
   "loop", training runs on four data sets, replayed. core.js says how the
   five files make one script. */

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

// -- figure 4: the training loop, on four data sets ---------------------

// A curve of values[k] for steps k = 0, 1, ...
function curve(values, title, format, log) {
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
  // The last step's number ends at the frame's edge: a long one (100 and
  // on) centred there would stick out of the picture.
  for (const [t, anchor] of [[0, 'middle'], [last, 'end']]) {
    picture.append(sv('text', { x: sx(t), y: height - 12,
                                'text-anchor': anchor,
                                class: 'mgv-tick' }, t));
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
      `step ${k}, ` +
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

KINDS.loop = loopFigure;
