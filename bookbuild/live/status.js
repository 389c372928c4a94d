/* micrograd, the book: what a live page says about what is happening
   (live.js loads this file beside shared.js; both on window).

   - `stageText`: the start's stages in words (worker.mjs sends them while
     Python loads: downloading, with megabytes; starting Python; unpacking
     the chapter; setting up), for the banner at the top of the page.
   - `RunMark`: a cell's mark, at the end of its toolbar: its execution
     count ([data-live="count"], "[3]": the number the worker's tracebacks
     give the cell, `<cell [3]>`), "[*]" while it waits or runs, and a
     spinner with the seconds it has been running. While a cell waits or
     runs it has aria-busy="true".
*/
(function () {
  'use strict';
  const el = (...args) => window.microgradViz.el(...args);

  const megabytes = (bytes) => (bytes / 1e6).toFixed(1);

  // [text, fraction done or null] for a stage message of the start.
  function stageText(message, chapter) {
    switch (message.stage) {
      case 'download':
        if (!message.total) return ['Downloading Python for your browser...', null];
        return [`Downloading Python for your browser: ${megabytes(message.loaded)} of ` +
                `${megabytes(message.total)} MB (once; your browser keeps it)...`,
                message.loaded / message.total];
      case 'python':
        return ['Starting Python (a few seconds)...', null];
      case 'unpack':
        return [`Unpacking the code of the chapters before this one (${chapter})...`, null];
      case 'setup':
        return ['Setting up the page\'s Python...', null];
      default:
        return [`Starting Python (${message.stage})...`, null];
    }
  }

  // Seconds shown from this long on (shorter runs only show the spinner).
  const SHOW_SECONDS_AFTER = 1000;

  class RunMark {
    constructor(cell) {
      this.cell = cell;  // the cell's div
      this.count = el('span', {class: 'live-count', 'data-live': 'count',
                               title: 'Execution count: the order in which cells ran'},
                      '[ ]');
      this.state = el('span', {class: 'live-state', 'data-live': 'state'});
      this.element = el('span', {class: 'live-mark'}, this.count, this.state);
      this.timer = null;
    }

    // Sent, and waiting for Python (or for the cells before it).
    waiting() {
      this.stopTimer();
      this.begun = false;
      if (this.count.textContent !== '[*]') this.before = this.count.textContent;
      this.cell.setAttribute('aria-busy', 'true');
      this.count.textContent = '[*]';
      this.state.className = 'live-state live-waiting';
      this.state.textContent = 'waiting...';
    }

    // Python began to run it.
    running() {
      this.stopTimer();
      this.begun = true;
      this.cell.setAttribute('aria-busy', 'true');
      this.count.textContent = '[*]';
      this.state.className = 'live-state live-busy';
      this.state.textContent = 'running...';
      const started = performance.now();
      this.timer = setInterval(() => {
        const ms = performance.now() - started;
        if (ms >= SHOW_SECONDS_AFTER) {
          this.state.textContent = `running... ${Math.floor(ms / 1000)} s`;
        }
      }, 250);
    }

    // Done: `count` is the number it ran as (null if it did not run), and
    // `said` a word on how it ended ('stopped', 'crashed'), if not well.
    done(count, said) {
      this.stopTimer();
      this.cell.removeAttribute('aria-busy');
      // A request that is not a run (a Check) leaves the count as it was.
      this.count.textContent = count !== null ? `[${count}]` : this.before || '[ ]';
      this.state.className = 'live-state';
      this.state.textContent = said || '';
    }

    stopTimer() {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    }
  }

  window.bookLiveStatus = {stageText, RunMark};
})();
