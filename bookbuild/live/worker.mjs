// micrograd, the book: the Web Worker that runs a live page's Python.
//
// live.js starts it as a module worker (Pyodide 314 needs one) and sends
//   {type: 'start', package: URL of the chapter's zip or null, graphviz: bool}
//   {type: 'run', id, code}
//   {type: 'loop', id, request}  (the live Loop's worker: start had loop: true)
// It answers {type: 'ready', ms, pyodideMs} once Python is up with the chapter's
// package, then, for each run, what the cell shows as it happens (see
// runner.py) with the run's id, and {type: 'done', id, ok}; for each loop
// request, {type: 'loop', id, answer, ms} (see loop.py). Everything it
// loads sits next to it in the site: no request leaves the site.
import { loadPyodide } from './pyodide/pyodide.mjs';

const HOME = '/home/pyodide';
let runner = null;
let loop = null;  // loop.py, in the live Loop's worker
let viz = null;
let current = null;  // the id of the run in progress

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

async function start(message) {
  const started = performance.now();
  let pyodideMs = null;
  const here = new URL('./', import.meta.url);
  const loading = [
    loadPyodide({indexURL: new URL('pyodide/', here).href}).then((pyodide) => {
      pyodideMs = performance.now() - started;
      return pyodide;
    }),
    fetch(new URL('runner.py', here)).then((response) => response.text()),
    message.package
      ? fetch(new URL(message.package, here)).then((response) => response.arrayBuffer())
      : null,
    message.loop
      ? fetch(new URL('loop.py', here)).then((response) => response.text())
      : null,
  ];
  if (message.graphviz) {
    vizLoading = import('./viz/viz.js')
      .then((module) => module.instance())
      .then((instance) => { viz = instance; })
      .catch((error) => {
        viz = {renderString: () => { throw error; }};
      });
  }
  const [pyodide, runnerSource, archive, loopSource] = await Promise.all(loading);
  let folder = null;
  if (archive) {
    folder = `${HOME}/micrograd-book`;
    pyodide.unpackArchive(archive, 'zip', {extractDir: folder});
  }
  pyodide.FS.writeFile(`${HOME}/book_live_runner.py`, runnerSource);
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(HOME)})`);
  runner = pyodide.pyimport('book_live_runner');
  runner.start(folder, emit);
  if (loopSource !== null) {
    pyodide.FS.writeFile(`${HOME}/book_live_loop.py`, loopSource);
    loop = pyodide.pyimport('book_live_loop');
  }
  postMessage({type: 'ready', ms: performance.now() - started, pyodideMs});
}

// One request of the live Loop: JSON in, JSON out (loop.py's `call`).
function loopRequest(message) {
  const started = performance.now();
  let answer;
  try {
    answer = loop.call(JSON.stringify(message.request));
  } catch (error) {
    answer = JSON.stringify({error: String(error)});
  }
  postMessage({type: 'loop', id: message.id, answer, ms: performance.now() - started});
}

function run(message) {
  current = message.id;
  let ok = false;
  try {
    ok = runner.run_cell(message.name || String(message.id), message.code);
  } catch (error) {
    postMessage({type: 'error', id: current, ename: 'Error', evalue: String(error),
                 traceback: String(error)});
  }
  postMessage({type: 'done', id: current, ok});
  current = null;
}

let queue = Promise.resolve();
self.onmessage = (event) => {
  const message = event.data;
  queue = queue.then(async () => {
    if (message.type === 'start') {
      try {
        await start(message);
      } catch (error) {
        postMessage({type: 'failed', error: String(error && error.stack || error)});
      }
    } else if (message.type === 'loop') {
      if (loop === null) {
        postMessage({type: 'loop', id: message.id,
                     answer: JSON.stringify({error: 'the Loop is not loaded'})});
      } else {
        loopRequest(message);
      }
    } else if (message.type === 'run') {
      if (runner === null) {
        postMessage({type: 'done', id: message.id, ok: false});
      } else {
        run(message);
      }
    }
  });
};
