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

// Pyodide's own files and Python's memory snapshot (made at set-up by
// setup/pyodide_snapshot.mjs: Pyodide just started, gzipped), read here
// with the bytes counted as they come (Pyodide's loader has no progress of
// its own), so that the page can say how far the download is. The loader
// then finds its files in the browser's HTTP cache; the snapshot's bytes,
// unpacked as they arrive, go to it directly.
const PYODIDE_FILES = ['pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip'];
const SNAPSHOT = 'memory-snapshot.bin.gz';
const KEPT = `micrograd-book-pyodide-${version}`;  // the Cache API's cache

// The files at `urls`, downloaded together with their progress said; each
// resolves to its Response's body as the `keep` function makes it (the
// first use of a body), or to nothing.
async function downloaded(urls, keep) {
  const responses = await Promise.all(urls.map((url) => fetch(url)));
  const total = responses.reduce(
    (sum, response) => sum + Number(response.headers.get('Content-Length') || 0), 0);
  let loaded = 0;
  let said = 0;
  return Promise.all(responses.map(async (response, i) => {
    if (!response.ok) throw new Error(`${response.status} ${response.url}`);
    const counted = response.body.pipeThrough(new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.length;
        if (loaded - said > total / 50 || loaded === total) {  // 2 % at a time
          said = loaded;
          stage('download', loaded, total);
        }
        controller.enqueue(chunk);
      },
    }));
    return keep(urls[i], counted);
  }));
}

// The snapshot's bytes, unpacked from the gzipped stream.
function unzipped(stream) {
  return new Response(stream.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer()
    .then((buffer) => new Uint8Array(buffer));
}

// Read a stream to its end, keeping nothing (the HTTP cache keeps it).
async function drained(stream) {
  const reader = stream.getReader();
  while (!(await reader.read()).done) { /* counted on the way */ }
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

// Python, and where it started from: 'snapshot' (the site's), 'kept' (the
// browser's unpacked copy of it) or 'fresh'. It starts from the site's
// memory snapshot of Pyodide just started, which skips CPython's own
// start-up and the reading of its standard library; then `random` gets
// fresh entropy, as a new CPython's would (the snapshot was made with fixed
// entropy, so that the same set-up makes the same bytes). Pyodide starts as
// soon as its own files are in, while the snapshot is still unpacking.
// Once Python is up, the unpacked snapshot is kept in the browser's Cache
// API (in a cache named after Pyodide's version: any snapshot of this
// Pyodide just started will do), so that a later start, on any page of the
// site, skips the unpacking too. If the snapshot cannot be had or does not
// load, Python starts the usual way.
async function startPython(pyodideFolder) {
  const indexURL = pyodideFolder.href;
  const urls = [...PYODIDE_FILES, SNAPSHOT].map((name) => new URL(name, pyodideFolder).href);
  const snapshotURL = urls.at(-1);
  const cache = await caches.open(KEPT).catch(() => null);
  const key = new URL('memory-snapshot.bin', pyodideFolder).href;
  const kept = cache && await cache.match(key).catch(() => null);
  let snapshot = null;
  if (kept) {
    snapshot = kept.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  } else {
    stage('download', 0, 0);
    // Pyodide can start once its own files are in; the snapshot goes on
    // unpacking meanwhile, so its promise is kept aside, not waited for.
    let unzipping = null;
    const files = downloaded(urls, (url, stream) => {
      if (url !== snapshotURL) return drained(stream);
      unzipping = unzipped(stream);
      return null;
    });
    try {
      await files;
      snapshot = unzipping;
    } catch (error) {
      snapshot = null;  // Pyodide's own loader says what is missing
    }
  }
  stage('python');
  if (snapshot) {
    try {
      const pyodide = await loadPyodide({indexURL, _loadSnapshot: snapshot});
      pyodide.runPython('import random; random.seed()');
      if (cache && !kept) {
        snapshot.then((bytes) => cache.put(key, new Response(bytes))).catch(() => {});
      }
      return [pyodide, kept ? 'kept' : 'snapshot'];
    } catch (error) {
      // a snapshot that does not unpack, or does not fit this Pyodide
      if (kept) await cache.delete(key).catch(() => {});
    }
  }
  return [await loadPyodide({indexURL}), 'fresh'];
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
