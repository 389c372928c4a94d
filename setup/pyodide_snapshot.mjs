// micrograd, the book: a memory snapshot of Pyodide just started, made
// once at set-up (setup/vendor.py runs this with Node) and shipped with the
// site, so that a reader's first start skips CPython's own start-up.
//
//     node setup/pyodide_snapshot.mjs PYODIDE_FOLDER OUTPUT
//
// PYODIDE_FOLDER holds the vendored Pyodide (pyodide.mjs and the files it
// loads); OUTPUT gets the snapshot's bytes (vendor.py compresses them). The
// worker (bookbuild/live/worker.mjs) gives them to loadPyodide as
// `_loadSnapshot`; a snapshot only fits the very Pyodide that made it, and
// vendor.py makes a new one whenever the pinned Pyodide changes.
//
// The same inputs make the same bytes, wherever and whenever it runs:
// Python's start-up reads entropy (the hash secret, the seed of `random`),
// clocks and the program's name on the command line, so all three are
// fixed here while it starts (entropy from a seeded generator, the clocks
// counting from fixed values, one name). The reader's interpreter gets
// fresh entropy for `random` after it starts (worker.mjs), as a new
// CPython would have.
import { writeFileSync } from 'node:fs';
import nodeCrypto from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [folder, output] = process.argv.slice(2);
if (!folder || !output) {
  console.error('usage: node setup/pyodide_snapshot.mjs PYODIDE_FOLDER OUTPUT');
  process.exit(2);
}
// Python's start reads the program's name from the command line (Node's
// argv[1], this script's full path): it gets one name, wherever the
// repository is.
process.argv = [process.argv[0], 'pyodide_snapshot'];

let state = 0x9e3779b9;  // xorshift32: the same bytes every time
function seeded(array) {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  for (let i = 0; i < bytes.length; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 255;
  }
  return array;
}
Object.defineProperty(globalThis, 'crypto', {
  value: {getRandomValues: seeded, subtle: globalThis.crypto && globalThis.crypto.subtle},
  configurable: true,
});
nodeCrypto.randomFillSync = seeded;
Date.now = () => 1767225600000;  // 2026-01-01T00:00:00Z
let ticks = 0;
performance.now = () => (ticks += 1);

const indexURL = folder.replace(/\/?$/, '/');
const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true });
writeFileSync(output, pyodide.makeMemorySnapshot());
