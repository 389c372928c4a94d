// micrograd, the book: the Web Worker that runs a live page's Python.
//
// The page (live.js for the cells, loop.js for the live Loop) starts it as
// a module worker (Pyodide 314 needs one) and talks to it through one
// request channel (live.js, `Channel`). A request is {id, type, ...}:
//   {type: 'start', package: the chapter's zip or null, graphviz, loop}
//   {type: 'run', name, code}            a cell (name: its count, "[3]")
//   {type: 'missing', code}              the names code reads that nothing
//                                        has defined yet (a list)
//   {type: 'check', checks, before, answer}   an exercise's checks (their
//                                        source) on the reader's answer, after
//                                        the book's cells \`before\` it (sources)
//   {type: 'expression', values, expression}   your own expression
//   {type: 'loop', request}              the live Loop (start had loop: true)
// Requests run one at a time, in the order sent. As one begins, the page
// gets {id, type: 'begin'} (the start instead says its stages: 'stage');
// while it runs, what it shows goes to the page as it happens, with its id
// (see runner.py); then one reply ends it: {id, type: 'reply', ok, value,
// error, ms}, with crashed: true if Python itself died (see `crash`). A request
// of an unknown type, or sent before Python is up, is answered with an
// error that says so. Everything it loads sits next to it in the site
// (book_live.zip is the live pages' Python, bookbuild/live/book_live/): no
// request leaves the site.
import { loadPyodide, version } from './pyodide/pyodide.mjs';

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

// Where the start has got to, for the page to say: {type: 'stage', stage,
// loaded, total} ('download', with bytes; then 'python', 'unpack', 'setup').
function stage(name, loaded, total) {
  postMessage({type: 'stage', id: current, stage: name, loaded, total});
}

// Pyodide's own files, read once here with the bytes counted as they come
// (Pyodide's loader has no progress of its own), so that the page can say
// how far the download is; the loader then finds them in the browser's
// HTTP cache.
const PYODIDE_FILES = ['pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip'];

async function downloaded(urls) {
  const responses = await Promise.all(urls.map((url) => fetch(url)));
  const total = responses.reduce(
    (sum, response) => sum + Number(response.headers.get('Content-Length') || 0), 0);
  let loaded = 0;
  let said = 0;
  await Promise.all(responses.map(async (response) => {
    if (!response.ok) throw new Error(`${response.status} ${response.url}`);
    const reader = response.body.getReader();
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      loaded += value.length;
      if (loaded - said > total / 50 || loaded === total) {  // 2 % at a time
        said = loaded;
        stage('download', loaded, total);
      }
    }
  }));
}

async function start(message) {
  const started = performance.now();
  let pyodideMs = null;
  const here = new URL('./', import.meta.url);
  const pyodideFolder = new URL('pyodide/', here);
  const ours = [
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
  const [pyodide, from] = await startPython(pyodideFolder);
  pyodideMs = performance.now() - started;
  const [runtime, archive] = await Promise.all(ours);
  stage('unpack');
  for (const zip of [runtime, archive]) {
    if (zip) pyodide.unpackArchive(zip, 'zip', {extractDir: FOLDER});
  }
  stage('setup');
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(FOLDER)})`);
  runner = pyodide.pyimport('book_live.runner');
  runner.start(emit);
  if (message.loop) loop = pyodide.pyimport('book_live.loop');
  return {ok: true, value: {pyodideMs, from}};
}

// Python, and where it started from: 'snapshot' or 'fresh'. The first
// start in a browser makes a memory snapshot of Pyodide just started
// (before any of the book's code runs) and keeps it in the browser's
// Cache API, under Pyodide's version; a later start, on any page of the
// site, starts from it, skipping CPython's own start-up. Without the
// Cache API (a site served over plain http from another machine), or
// with a copy that does not load, Python starts the usual way.
async function startPython(pyodideFolder) {
  const indexURL = pyodideFolder.href;
  const key = new URL('memory-snapshot', pyodideFolder);
  const cache = await caches.open(`micrograd-book-pyodide-${version}`).catch(() => null);
  const kept = cache && await cache.match(key).catch(() => null);
  if (kept) {
    stage('python');
    try {
      const snapshot = new Uint8Array(await kept.arrayBuffer());
      return [await loadPyodide({indexURL, _loadSnapshot: snapshot}), 'snapshot'];
    } catch (error) {
      await cache.delete(key);
    }
  }
  stage('download', 0, 0);
  await downloaded(PYODIDE_FILES.map((name) => new URL(name, pyodideFolder)));
  stage('python');
  const pyodide = await loadPyodide({indexURL, _makeSnapshot: Boolean(cache)});
  if (cache) {
    cache.put(key, new Response(pyodide.makeMemorySnapshot())).catch(() => {});
  }
  return [pyodide, 'fresh'];
}

// When Python itself dies (Pyodide's "fatal error": the WebAssembly stack
// overflowed, memory ran out, a trap), nothing can run in this worker any
// more: the reply says so, in words, and the page starts a fresh one.
function crash(error) {
  const text = String(error && error.message || error);
  let why = `Python stopped working (${text.split('\n')[0]})`;
  if (/call stack/i.test(text)) {
    why = 'the stack overflowed: a recursion went deeper than the browser allows ' +
          '(sys.setrecursionlimit lets Python try, and the browser has the last word)';
  } else if (/memory|Cannot enlarge|allocat/i.test(text)) {
    why = 'it ran out of memory (the browser gives a page at most a few gigabytes, ' +
          'often less)';
  } else if (/unreachable|RuntimeError/.test(text)) {
    why = `WebAssembly stopped it (${text.split('\n')[0]})`;
  }
  return {ok: false, crashed: true, error: why};
}

// What each request does; each returns {ok, value} (or throws).
const REQUESTS = {
  start,
  run: (message) => ({ok: runner.run_cell(message.name, message.code)}),
  missing: (message) => ({ok: true, value: JSON.parse(runner.missing_names(message.code))}),
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
    if (message.type !== 'start') postMessage({type: 'begin', id: current});
    try {
      reply = await handle(message);
    } catch (error) {
      reply = error && error.pyodide_fatal_error ? crash(error)
        : {ok: false, error: String(error && error.stack || error)};
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
