/* micrograd, the book: when the browser's numbers differ from the book's
   in their last digits, the page says why, once.

   Python in the browser (Pyodide) computes exp, tanh, log and the like
   with the maths library WebAssembly is built with, which may round the
   last digit of a float differently from the one the book was built on;
   + and * are the same everywhere. So a live cell can print
   0.7071067811865475 where the book printed 0.7071067811865476. live.js
   compares each run's text output with the book's output of that cell
   (in the page) and, the first time they differ only so, puts the note
   under the cell. window.bookLiveNumbers: compare(book, mine), note().
*/
(function () {
  'use strict';
  const {el} = window.bookLiveShared;
  // A number as Python prints one; the split keeps it (odd indices).
  const NUMBER = /([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)/;
  // Floats that agree to this many parts are the same result, rounded
  // differently at the end: a double has about 16 significant digits.
  const CLOSE = 1e-9;

  const isFloat = (text) => /[.eE]/.test(text);

  function close(a, b) {
    const x = Number(a);
    const y = Number(b);
    if (!Number.isFinite(x) || !Number.isFinite(y) || !isFloat(a) || !isFloat(b)) return false;
    return Math.abs(x - y) <= CLOSE * Math.max(Math.abs(x), Math.abs(y));
  }

  // 'same', 'last-digits' (the same text, but a float or more differing
  // only in its last digits) or 'different'.
  function compare(book, mine) {
    if (book === mine) return 'same';
    const ours = book.split(NUMBER);
    const theirs = mine.split(NUMBER);
    if (ours.length !== theirs.length) return 'different';
    for (let i = 0; i < ours.length; i++) {
      if (ours[i] === theirs[i]) continue;
      if (i % 2 === 0 || !close(ours[i], theirs[i])) return 'different';
    }
    return 'last-digits';
  }

  function note() {
    return el('p', {class: 'live-note live-numbers-note', 'data-live': 'numbers-note',
                    role: 'note'},
      'This differs from the book\'s output only in the last digits of a number. ' +
      'That is expected: Python in your browser computes functions such as exp ' +
      'and tanh with the maths library of WebAssembly, which may round the last ' +
      'digit differently from the one the book was built with. The computation ' +
      'is the same; only its rounding at the last digit is not.');
  }

  window.bookLiveNumbers = {compare, note};
})();
