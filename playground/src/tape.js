// The URL fragment (format 2): which run the page shows and at what moment. State =
// f(seed, configuration, tape), so a fragment naming a lesson run, or holding a whole tape,
// reproduces a frame exactly in any browser.
//
//   #v=2&lesson=9&run=<run name>&at=<ms>       a lesson run at a moment (run: the first by default)
//   #v=2&tape=<base64url(UTF-8 JSON)>&at=<ms>  any tape (sandbox, forks, edited lessons, shares)
//   #v=2&sandbox=1                             the sandbox's default tape
//   ...&embed=1                                embed mode (views and transport only)
//   with a tape, &lesson=N&run=R keeps that lesson's panel beside it, and &fork=1 says the
//   tape is no longer the lesson's own (forked, acted on or reconfigured)
//
// Format 1 (the first page's `#v=1&seed=7&tape=drop.produce:m1.step`) is recognised and
// refused with a message: its one-producer world no longer exists.
//
// Pure functions (no DOM): the Node tests import this module directly.

export const FORMAT_VERSION = 2;
export const OLD_LINK_MESSAGE = 'this link is from an older playground (format 1)';

/** The longest fragment the page accepts (a tape of the engine's maximum size is far below). */
export const FRAGMENT_CHARS_MAX = 2_000_000;

/** A fragment the page cannot follow; `code` says why, `message` names the problem. */
export class LinkError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'LinkError';
    this.code = code;
  }
}

/** The sandbox's starting tape: one topic of three partitions, one producer, a group of two. */
export function sandboxTape() {
  const app = (name) => ({
    name,
    kind: 'consumer',
    topics: ['orders'],
    commit: 'afterProcessing',
    pollIntervalMs: 200,
    config: {
      'group.id': 'shop',
      'auto.offset.reset': 'earliest',
      'enable.auto.commit': 'false',
      'partition.assignment.strategy': 'range',
      'session.timeout.ms': '6000',
      'heartbeat.interval.ms': '500',
    },
  });
  const produce = (at, id, key) => ({ at, op: 'produce', producer: 'producer', topic: 'orders', id, key });
  return {
    version: FORMAT_VERSION,
    seed: 1,
    config: {
      topics: [{ name: 'orders', partitions: 3 }],
      producers: [{ name: 'producer', config: { 'enable.idempotence': 'true', acks: 'all', 'linger.ms': '0' } }],
      apps: [app('app-1'), app('app-2')],
    },
    actions: [produce(3000, 'm1', 'alice'), produce(3200, 'm2', 'bob'), produce(3400, 'm3', 'carol')],
    endMs: 12000,
  };
}

export function base64urlEncode(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64urlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new LinkError('BAD_LINK', 'the tape in the link is not base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let bin;
  try {
    bin = atob(b64);
  } catch {
    throw new LinkError('BAD_LINK', 'the tape in the link is not base64url');
  }
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LinkError('BAD_LINK', 'the tape in the link is not UTF-8 text');
  }
}

function params(hash) {
  const out = new Map();
  for (const kv of hash.replace(/^#/, '').split('&')) {
    if (!kv) continue;
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? '' : kv.slice(eq + 1);
    try {
      out.set(decodeURIComponent(key), decodeURIComponent(value));
    } catch {
      throw new LinkError('BAD_LINK', `the link's "${key}" is not URL-encoded text`);
    }
  }
  return out;
}

function millis(raw, what) {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new LinkError('BAD_LINK', `${what} "${raw}" is not a whole number of milliseconds`);
  return n;
}

/**
 * Reads a fragment. Returns one of
 *   { kind: 'none', embed }                                        (no fragment: the page's default)
 *   { kind: 'lesson', lesson, run?, at?, embed }
 *   { kind: 'tape', tapeJson, at?, embed, fork, lesson?, run? }
 *   { kind: 'sandbox', embed }
 * and throws a LinkError (code OLD_LINK, BAD_LINK) naming the problem otherwise.
 */
export function parseFragment(hash) {
  if (hash.length > FRAGMENT_CHARS_MAX) throw new LinkError('BAD_LINK', `the link is longer than ${FRAGMENT_CHARS_MAX} characters`);
  const p = params(hash ?? '');
  const embed = p.get('embed') === '1' || p.get('embed') === 'true';
  const v = p.get('v');
  if (v === '1' || (v === undefined && p.has('seed'))) {
    throw new LinkError('OLD_LINK', `${OLD_LINK_MESSAGE}: its one-producer runs cannot be replayed here`);
  }
  if (v === undefined) {
    if (p.has('sandbox')) return { kind: 'sandbox', embed };
    if (p.has('lesson') || p.has('tape')) throw new LinkError('BAD_LINK', 'the link has no format version (v=2)');
    return { kind: 'none', embed };
  }
  if (v !== String(FORMAT_VERSION)) {
    throw new LinkError('BAD_LINK', `the link's format version ${v} is not supported (this page reads ${FORMAT_VERSION})`);
  }
  const at = millis(p.get('at'), 'the time');
  if (p.has('tape')) {
    const tapeJson = base64urlDecode(p.get('tape'));
    try {
      JSON.parse(tapeJson);
    } catch (e) {
      throw new LinkError('BAD_LINK', `the tape in the link is not JSON (${e.message})`);
    }
    const out = { kind: 'tape', tapeJson, at, embed, fork: p.get('fork') === '1' };
    // A tape from a lesson keeps the lesson's panel (text, key moments) beside it.
    if (p.has('lesson')) Object.assign(out, lessonOf(p));
    return out;
  }
  if (p.has('lesson')) return { kind: 'lesson', ...lessonOf(p), at, embed };
  if (p.has('sandbox')) return { kind: 'sandbox', embed };
  return { kind: 'none', embed };
}

function lessonOf(p) {
  const lesson = Number(p.get('lesson'));
  if (!Number.isSafeInteger(lesson) || lesson < 1) throw new LinkError('BAD_LINK', `lesson "${p.get('lesson')}" is not a lesson number`);
  return { lesson, run: p.get('run') || undefined };
}

const enc = (s) => encodeURIComponent(s);

/** The fragment of a lesson run or a tape; `tapeJson` is compacted before encoding. */
export function toFragment({ lesson, run, tapeJson, at, embed, fork }) {
  const parts = [`v=${FORMAT_VERSION}`];
  if (tapeJson !== undefined) {
    parts.push(`tape=${base64urlEncode(JSON.stringify(JSON.parse(tapeJson)))}`);
    if (lesson !== undefined) parts.push(`lesson=${lesson}`);
    if (lesson !== undefined && run !== undefined) parts.push(`run=${enc(run)}`);
    if (fork) parts.push('fork=1');
  } else if (lesson !== undefined) {
    parts.push(`lesson=${lesson}`);
    if (run !== undefined) parts.push(`run=${enc(run)}`);
  } else {
    parts.push('sandbox=1');
  }
  if (at !== undefined && at !== null) parts.push(`at=${Math.round(at)}`);
  if (embed) parts.push('embed=1');
  return '#' + parts.join('&');
}
