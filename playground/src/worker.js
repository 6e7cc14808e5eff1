// The engine's thread: a module Web Worker holding Sessions by id. The page never runs the
// engine on its main thread, so a long replay (a seek across a whole run) never freezes it.
//
// Protocol: the page posts { id, method, args }; the worker answers { id, result } or
// { id, error: { message, code } }. Requests are answered in order (the worker is one thread).
// Methods are the table below; a session is named by the number `open*` returned.

import init, { Session } from '../pkg/kafkette_wasm.js';

const ready = init();
const sessions = new Map();
let nextSid = 1;

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function keep(session) {
  const sid = nextSid++;
  sessions.set(sid, session);
  return sid;
}

function get(sid) {
  const s = sessions.get(sid);
  if (!s) throw new RpcError('NO_SESSION', `no session ${sid} (closed or never opened)`);
  return s;
}

/** What the page shows after a move: the frame, events since `eventsFrom`, and the clock. */
function view(s, eventsFrom) {
  return { at: s.at(), step: s.step(), endMs: s.endMs(), frame: s.frame(), events: s.events(eventsFrom ?? 0) };
}

const MOVES = {
  none: () => true,
  seek: (s, ms) => (s.seek(ms), true),
  seekStep: (s, i) => (s.seekStep(i), true),
  stepForward: (s) => s.stepForward(),
  stepBack: (s) => s.stepBack(),
};

const METHODS = {
  lessons: () => Session.lessonRuns(),
  openLesson: (id, run) => {
    let name = run;
    if (name === undefined) {
      const lesson = Session.lessonRuns().find((l) => l.id === id);
      if (!lesson) throw new RpcError('INVALID_ARG', `there is no lesson ${id}`);
      name = lesson.runs[0].name;
    }
    return { sid: keep(Session.lesson(id, name)), run: name };
  },
  openTape: (json) => ({ sid: keep(new Session(json)) }),
  close: (sid) => {
    const s = sessions.get(sid);
    sessions.delete(sid);
    s?.free?.();
    return true;
  },
  /**
   * Moves (`how` in MOVES) and returns the view; `moved` is false when there was nowhere to go.
   * When the session is still at `knownStep` (play asking for a time before the next step), only
   * the clock comes back: `{ same: true }` without a frame, so playing idle time costs nothing.
   */
  go: (sid, how, arg, eventsFrom, knownStep) => {
    const s = get(sid);
    const move = MOVES[how];
    if (!move) throw new RpcError('INVALID_ARG', `unknown move ${how}`);
    const moved = move(s, arg);
    if (knownStep !== undefined && knownStep !== null && s.step() === knownStep) {
      return { moved, same: true, at: s.at(), step: s.step(), endMs: s.endMs(), events: [] };
    }
    return { moved, ...view(s, eventsFrom) };
  },
  /** Applies an action at the session's time, then returns the view from the first event. */
  apply: (sid, actionJson) => {
    const s = get(sid);
    s.apply(actionJson);
    return view(s, 0);
  },
  setEndMs: (sid, ms) => {
    const s = get(sid);
    s.setEndMs(ms);
    return view(s, 0);
  },
  fork: (sid) => ({ sid: keep(get(sid).fork()) }),
  tapeJson: (sid) => get(sid).tapeJson(),
  timeline: (sid) => get(sid).timeline(),
  nextAnomaly: (sid, afterMs) => get(sid).nextAnomaly(afterMs) ?? null,
  /** Same seed, two tapes, one moment: the engine's diff. */
  diff: (tapeA, tapeB, atMs) => Session.diff(tapeA, tapeB, atMs),
};

self.onmessage = async (ev) => {
  const { id, method, args } = ev.data ?? {};
  try {
    await ready;
    const fn = Object.hasOwn(METHODS, method) ? METHODS[method] : null;
    if (!fn) throw new RpcError('INVALID_ARG', `the engine worker has no method ${method}`);
    const result = fn(...(args ?? []));
    self.postMessage({ id, result });
  } catch (e) {
    const message = e?.message ?? String(e);
    self.postMessage({ id, error: { message, code: e?.code ?? 'INTERNAL' } });
  }
};
