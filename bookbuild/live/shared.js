/* micrograd, the book: what the live pages' scripts share (live.js, which
   loads this file first, and loop.js): the DOM helper `el` (the player's),
   and the request channel to a Python worker (worker.mjs is its other
   end). Both are on window.bookLiveShared.
*/
(function () {
  'use strict';

  // The DOM helper is the figures' player's (micrograd/figures/player/
  // core.js), which every page of the site loads: one helper, one set of
  // rules. Looked up when called, since the player's script is deferred.
  const el = (...args) => window.microgradViz.el(...args);

  // -- the request channel to a worker ------------------------------------------
  //
  // One per worker (the page's, and the live Loop's). request(body, show)
  // posts {id, ...body} to worker.mjs and resolves to its reply {ok, value,
  // error, ms}; what the request shows while it runs (a cell's output) goes
  // to show(message), in order. A message for a request already answered
  // (a graph drawn once Graphviz has loaded) goes to late(message). When
  // the worker dies or is stopped, every request still waiting resolves to
  // {ok: false, stopped: true, error} (with crashed: true if it died).
  class Channel {
    constructor(url, {late, died} = {}) {
      this.pending = new Map();
      this.nextId = 1;
      this.late = late;
      this.worker = new Worker(url, {type: 'module'});
      this.worker.onmessage = (event) => this.receive(event.data);
      this.worker.onerror = (event) => {
        const error = `Python's worker stopped (${event.message || 'worker error'})`;
        this.close(error, true);
        if (died) died(error);
      };
    }

    request(body, show) {
      if (!this.worker) return Promise.resolve({ok: false, stopped: true, error: 'stopped'});
      const id = this.nextId++;
      return new Promise((resolve) => {
        this.pending.set(id, {type: body.type, resolve, show});
        this.worker.postMessage({...body, id});
      });
    }

    receive(message) {
      const request = this.pending.get(message.id);
      if (!request) {
        if (this.late && message.type !== 'reply') this.late(message);
      } else if (message.type === 'reply') {
        this.pending.delete(message.id);
        request.resolve(message);
      } else if (request.show) {
        request.show(message);
      }
    }

    // Whether a request other than the start waits or runs.
    get busy() {
      return [...this.pending.values()].some((request) => request.type !== 'start');
    }

    close(error, crashed = false) {
      if (this.worker) this.worker.terminate();
      this.worker = null;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const request of waiting) request.resolve({ok: false, stopped: true, crashed, error});
    }
  }

  window.bookLiveShared = {el, Channel};
})();
