// The tape: the learner's actions in order. State = f(seed, configuration, tape), so the
// URL fragment holding (format version, seed, tape) reproduces a run exactly, and "back"
// is a replay of the tape minus its last action.
//
// Fragment: #v=1&seed=7&tape=drop.produce:m1.step.step.poll
// Actions: produce:<value> (value URI-encoded), poll, drop (the next Produce ack),
// step (the next event), wait:<ms> (advance the clock).

export const FORMAT_VERSION = 1;
export const DEFAULT_SEED = 7;
const WAIT_MS_MAX = 600_000;

export function encodeAction(a) {
  switch (a.op) {
    case 'produce':
      return `produce:${encodeURIComponent(a.value).replace(/\./g, '%2E')}`;
    case 'wait':
      return `wait:${a.ms}`;
    default:
      return a.op;
  }
}

export function decodeAction(s) {
  const [op, arg] = s.split(/:(.*)/s);
  switch (op) {
    case 'produce':
      return { op, value: decodeURIComponent(arg ?? '') };
    case 'wait': {
      const ms = Number(arg);
      if (!Number.isInteger(ms) || ms < 1 || ms > WAIT_MS_MAX) throw new Error(`bad wait in tape: ${s}`);
      return { op, ms };
    }
    case 'poll':
    case 'drop':
    case 'step':
      return { op };
    default:
      throw new Error(`unknown action in tape: ${s}`);
  }
}

export function toFragment({ seed, tape }) {
  const parts = [`v=${FORMAT_VERSION}`, `seed=${seed}`];
  if (tape.length) parts.push(`tape=${tape.map(encodeAction).join('.')}`);
  return '#' + parts.join('&');
}

/** Parses a fragment; a missing or unreadable one gives the default run (and the reason). */
export function fromFragment(hash) {
  // Not URLSearchParams: it would decode the tape's %2E before the split on '.'.
  const params = new Map(
    hash
      .replace(/^#/, '')
      .split('&')
      .filter(Boolean)
      .map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]),
  );
  const v = params.get('v');
  if (v !== undefined && Number(v) !== FORMAT_VERSION) {
    return { seed: DEFAULT_SEED, tape: [], warning: `link format v${v} is not supported; starting fresh` };
  }
  const seed = params.has('seed') ? Number(params.get('seed')) : DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    return { seed: DEFAULT_SEED, tape: [], warning: `bad seed "${params.get('seed')}"; using ${DEFAULT_SEED}` };
  }
  try {
    const raw = params.get('tape');
    const tape = raw ? raw.split('.').map(decodeAction) : [];
    return { seed, tape };
  } catch (e) {
    return { seed, tape: [], warning: `${e.message}; starting fresh` };
  }
}
