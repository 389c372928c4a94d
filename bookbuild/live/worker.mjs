// micrograd, the book: the Web Worker that runs a live page's Python.
//
// The page (live.js for the cells, loop.js for the live Loop) starts it as
// a module worker (Pyodide 314 needs one) and talks to it through one
// request channel (live.js, `Channel`). A request is {id, type, ...}:
//   {type: 'start', package: the chapter's zip or null, graphviz, loop}
//   {type: 'run', name, code}            a cell
//   {type: 'check', checks, before, answer}   an exercise's checks (their
//                                        source) on the reader's answer, after
//                                        the book's cells \`before\` it (sources)
//   {type: 'expression', values, expression}   your own expression
//   {type: 'loop', request}              the live Loop (start had loop: true)
// Requests run one at a time, in the order sent. While one runs, what it
// shows goes to the page as it happens, with its id (see runner.py); then
// one reply ends it: {id, type: 'reply', ok, value, error, ms}. A request
// of an unknown type, or sent before Python is up, is answered with an
// error that says so. Everything it loads sits next to it in the site
// (book_live.zip is the live pages' Python, bookbuild/live/book_live/): no
// request leaves the site.
import { loadPyodide } from './pyodide/pyodide.mjs';

const HOME = '/home/pyodide';
const FOLDER = `${HOME}/micrograd-book`;  // the chapter's package and book_live
let runner = null;
let loop = null;  // book_live.loop, in the live Loop's worker
let viz = null;
let current = null;  // the id of the request in progress

let vizLoading = null;  // Graphviz loads beside Python, but nothing waits for it
let drawn = 0;

function emit(text) {
  const message = JSON.parse(text);
  message.id = current;
  const data = message.data;
  if (data && data['text/vnd.graphviz'] !== undefined) {
    const dot = data['text/vnd.graphviz'];
    delete data['text/vnd.graphviz'];
    data['text/plain'] = data['text/plain'] || '<graphviz.graphs.Digraph object>';
    if (viz) {
      draw(data, dot);
    } else {
      // Not loaded yet: show the text now and the drawing when it is.
      message.display_id = message.display_id || `graph-${++drawn}`;
      const later = {type: 'update', id: current, display_id: message.display_id,
                     data: {...data}};
      vizLoading.then(() => {
        draw(later.data, dot);
        postMessage(later);
      });
    }
  }
  postMessage(message);
}

function draw(data, dot) {
  try {
    data['image/svg+xml'] = viz.renderString(dot, {format: 'svg'});
  } catch (error) {
    data['text/plain'] = `Graphviz could not draw this graph: ${error.message}`;
  }
}

function fetched(url) {
  return fetch(url).then((response) => {
    if (!response.ok) throw new Error(`${response.status} ${response.url}`);
    return response.arrayBuffer();
  });
}

async function start(message) {
  const started = performance.now();
  let pyodideMs = null;
  const here = new URL('./', import.meta.url);
  const loading = [
    loadPyodide({indexURL: new URL('pyodide/', here).href}).then((pyodide) => {
      pyodideMs = performance.now() - started;
      return pyodide;
    }),
    fetched(new URL('book_live.zip', here)),
    message.package ? fetched(new URL(message.package, here)) : null,
  ];
  if (message.graphviz) {
    vizLoading = import('./viz/viz.js')
      .then((module) => module.instance())
      .then((instance) => { viz = instance; })
      .catch((error) => {
        viz = {renderString: () => { throw error; }};
      });
  }
  const [pyodide, runtime, archive] = await Promise.all(loading);
  for (const zip of [runtime, archive]) {
    if (zip) pyodide.unpackArchive(zip, 'zip', {extractDir: FOLDER});
  }
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(FOLDER)})`);
  runner = pyodide.pyimport('book_live.runner');
  runner.start(emit);
  if (message.loop) loop = pyodide.pyimport('book_live.loop');
  return {ok: true, value: {pyodideMs}};
}

// What each request does; each returns {ok, value} (or throws).
const REQUESTS = {
  start,
  run: (message) => ({ok: runner.run_cell(message.name, message.code)}),
  check: (message) => ({ok: runner.check(message.checks, message.before || [],
                                         message.answer || '')}),
  expression: (message) => ({ok: runner.draw_expression(message.values, message.expression)}),
  loop: (message) => {
    if (loop === null) throw new Error('the Loop is not loaded (start with loop: true)');
    return {ok: true, value: JSON.parse(loop.call(JSON.stringify(message.request)))};
  },
};

async function answer(message) {
  const started = performance.now();
  const handle = REQUESTS[message.type];
  let reply;
  if (!handle) {
    reply = {ok: false, error: `unknown request "${message.type}" (this worker ` +
                               `knows ${Object.keys(REQUESTS).join(', ')})`};
  } else if (message.type !== 'start' && runner === null) {
    reply = {ok: false, error: `Python did not start, so "${message.type}" cannot run`};
  } else {
    current = message.id;
    try {
      reply = await handle(message);
    } catch (error) {
      reply = {ok: false, error: String(error && error.stack || error)};
    }
    current = null;
  }
  postMessage({...reply, id: message.id, type: 'reply', ms: performance.now() - started});
}

let queue = Promise.resolve();
self.onmessage = (event) => {
  const message = event.data;
  queue = queue.then(() => answer(message));
};
