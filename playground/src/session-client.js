// The page's side of the engine worker: each call is a promise; an engine error comes back
// as an Error with the engine's `.code` ("INVALID_ARG"...) and message.

export class EngineError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}

export class EngineClient {
  constructor(url = new URL('./worker.js', import.meta.url)) {
    this.worker = new Worker(url, { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = (ev) => {
      const { id, result, error } = ev.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (error) p.reject(new EngineError(error.code ?? 'INTERNAL', error.message));
      else p.resolve(result);
    };
    // A worker that fails to load (no module workers, a missing wasm file) rejects every call.
    this.worker.onerror = (ev) => {
      ev.preventDefault?.();
      const err = new EngineError('WORKER', `the engine worker failed: ${ev.message || 'it could not load'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.failed = err;
    };
  }

  call(method, ...args) {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  lessons() {
    return this.call('lessons');
  }

  async openLesson(id, run) {
    const { sid, run: name } = await this.call('openLesson', id, run);
    return { session: new SessionRef(this, sid), run: name };
  }

  async openTape(json) {
    const { sid } = await this.call('openTape', json);
    return new SessionRef(this, sid);
  }

  diff(tapeA, tapeB, atMs) {
    return this.call('diff', tapeA, tapeB, atMs);
  }
}

/** One Session in the worker. */
export class SessionRef {
  constructor(client, sid) {
    this.client = client;
    this.sid = sid;
  }
  go(how, arg, eventsFrom, knownStep) {
    return this.client.call('go', this.sid, how, arg, eventsFrom, knownStep);
  }
  apply(action) {
    return this.client.call('apply', this.sid, JSON.stringify(action));
  }
  setEndMs(ms) {
    return this.client.call('setEndMs', this.sid, ms);
  }
  async fork() {
    const { sid } = await this.client.call('fork', this.sid);
    return new SessionRef(this.client, sid);
  }
  tapeJson() {
    return this.client.call('tapeJson', this.sid);
  }
  timeline() {
    return this.client.call('timeline', this.sid);
  }
  nextAnomaly(afterMs) {
    return this.client.call('nextAnomaly', this.sid, afterMs);
  }
  close() {
    return this.client.call('close', this.sid).catch(() => false);
  }
}
