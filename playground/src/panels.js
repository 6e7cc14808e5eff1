// The side panel and the scrubber's ticks: the lesson (title, runs as tabs, guided text, key
// moments), the "act at this moment" forms (produce, faults) and the timeline's ticks. Each
// function reads the page's state and calls back into main.js through `on`.

import { $, el, FMT } from './dom.js';

/** Rebalance and anomaly ticks over the scrubber; a click seeks there. */
export function drawTicks(state, on) {
  const box = $('#ticks');
  box.replaceChildren();
  const ticks = state.timeline?.ticks ?? [];
  const end = state.endMs || 1;
  for (const t of ticks) {
    const pct = Math.min(100, (100 * t.at) / end);
    box.append(
      el('span', {
        class: `tick tick-${t.kind}`,
        title: `${FMT.format(t.at)} ms: ${t.text}`,
        style: `left: ${pct}%`,
        dataset: { tick: t.kind, at: String(t.at), anomaly: t.anomaly ?? '' },
        on: { click: () => on.seekTo(t.at) },
      }),
    );
  }
}

/** The lesson list, the lesson (or the sandbox's text), its runs and key moments. */
export function drawLessonPanel(state, on) {
  const list = $('#lesson-list');
  list.replaceChildren(
    ...state.lessons.map((l) =>
      el(
        'li',
        {},
        el(
          'a',
          {
            href: `#v=2&lesson=${l.id}`,
            dataset: { lessonLink: String(l.id) },
            'aria-current': state.lesson?.id === l.id ? 'page' : null,
          },
          `${l.id}. ${l.title}`,
        ),
      ),
    ),
  );
  const l = state.lesson;
  $('#sandbox').setAttribute('aria-pressed', String(state.sandbox));
  document.title = `kafkette playground: ${l ? `${l.id}. ${l.title}` : 'sandbox'}`;
  if (!l) {
    $('#lesson-title').textContent = 'Sandbox';
    $('#lesson-text').textContent =
      'Your own run (the sandbox starts with one topic of three partitions, an idempotent producer and a group ' +
      'of two consumers committing after processing). Produce messages, add a consumer, crash one at a point ' +
      'of its cycle, drop a response, take the broker down (it comes back with its log and coordinator ' +
      'state), change a setting, then scrub back and forth.';
    $('#unfork').hidden = true;
    $('#runs').replaceChildren();
    $('#moments').replaceChildren();
    $('#moments-title').hidden = true;
    return;
  }
  $('#lesson-title').textContent = `${l.id}. ${l.title}${state.forked ? ' (forked)' : ''}`;
  $('#unfork').hidden = !state.forked;
  $('#lesson-text').textContent = l.text;
  $('#runs').replaceChildren(
    ...l.runs.map((r) =>
      el(
        'button',
        {
          type: 'button',
          role: 'tab',
          'aria-selected': String(r.name === state.run),
          dataset: { run: r.name },
          on: { click: () => on.navigate({ kind: 'lesson', lesson: l.id, run: r.name }) },
        },
        r.name,
      ),
    ),
  );
  const run = l.runs.find((r) => r.name === state.run);
  const moments = run?.moments ?? [];
  $('#moments-title').hidden = moments.length === 0;
  $('#moments').replaceChildren(
    ...moments.map((m) =>
      el(
        'li',
        { dataset: { at: String(m.at) } },
        el(
          'button',
          { type: 'button', class: 'moment', on: { click: () => on.seekTo(m.at) } },
          el('span', { class: 'moment-at' }, `${FMT.format(m.at)} ms`),
          ' ',
          m.caption,
        ),
      ),
    ),
  );
}

/** The produce and fault forms' choices, from the tape (and the frame's lanes for successors). */
export function drawActPanel(state) {
  const t = state.tape;
  if (!t) return;
  const fill = (select, options) => {
    const keep = select.value;
    select.replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
    if (options.some(([v]) => v === keep)) select.value = keep;
  };
  fill($('#produce-producer'), t.config.producers.map((p) => [p.name, p.name]));
  fill($('#produce-topic'), t.config.topics.map((x) => [x.name, x.name]));
  $('#produce-id').value = nextMessageId(state);
  const targets = [
    ...t.config.apps.map((a) => [`app:${a.name}`, `app ${a.name}`]),
    ...t.config.apps.filter((a) => a.kind === 'copier').map((a) => [`producer:${a.name}.producer`, `${a.name}.producer`]),
    ...t.config.producers.map((p) => [`producer:${p.name}`, `producer ${p.name}`]),
    ...(state.frame?.lanes ?? [])
      .filter((l) => l.kind === 'producer' && !t.config.producers.some((p) => p.name === l.name) && !/\.producer$/.test(l.name))
      .map((l) => [`producer:${l.name}`, `producer ${l.name}`]),
    ['broker:', 'the broker'],
  ];
  fill($('#fault-target'), targets);
  drawFaultWhat();
  $('#produce').disabled = t.config.producers.length === 0 || t.config.topics.length === 0;
  $('#add-consumer').disabled = !t.config.apps.some((a) => a.kind === 'consumer' && !a.assign && a.config['group.id']);
}

const APIS = ['Produce', 'Fetch', 'OffsetCommit', 'Heartbeat', 'JoinGroup', 'SyncGroup', 'LeaveGroup', 'FindCoordinator',
  'OffsetFetch', 'ListOffsets', 'InitProducerId', 'AddPartitionsToTxn', 'AddOffsetsToTxn', 'TxnOffsetCommit', 'EndTxn', 'Metadata'];

const FAULTS = ['drop', 'delay', 'duplicate'].flatMap((f) =>
  ['response', 'request'].map((d) => [`fault:${f}:${d}`, `${f} the next ${d}`]),
);

function whatOptions(kind) {
  if (kind === 'app') {
    return [
      ['crash', 'crash now'],
      ['crash:afterPoll', 'crash after its next poll'],
      ['crash:afterProcessing', 'crash after processing'],
      ['crash:beforeCommit', 'crash before committing'],
      ['crash:afterCommit', 'crash after committing'],
      ['pause', 'pause its processing (past max.poll.interval.ms)'],
      ['restart', 'restart (after a crash)'],
      ['stop', 'stop (leaves the group)'],
      ['start', 'start'],
      ['poll', 'poll once'],
      ['commit', 'commit now'],
      ...FAULTS,
    ];
  }
  if (kind === 'producer') {
    return [
      ['flush', 'flush'],
      ['crashProducer', 'crash'],
      ['zombie', 'start a successor (same transactional.id)'],
      ['initTransactions', 'init transactions'],
      ['beginTransaction', 'begin a transaction'],
      ['commitTransaction', 'commit the transaction'],
      ['abortTransaction', 'abort the transaction'],
      ...FAULTS,
    ];
  }
  return [
    ['brokerDown', 'kill it (requests are lost)'],
    ['brokerUp', 'restart it (with its log)'],
  ];
}

/** The fault form's second list follows its target (an app, a producer, the broker). */
export function drawFaultWhat() {
  const [kind] = $('#fault-target').value.split(':');
  const what = $('#fault-what');
  const keep = what.value;
  const opts = whatOptions(kind);
  what.replaceChildren(...opts.map(([v, label]) => el('option', { value: v }, label)));
  if (opts.some(([v]) => v === keep)) what.value = keep;
  const api = $('#fault-api');
  if (!api.options.length) api.replaceChildren(...APIS.map((a) => el('option', { value: a }, a)));
  $('#fault-api-box').hidden = !what.value.startsWith('fault:');
  $('#fault-ms-box').hidden = !(what.value === 'pause' || what.value.startsWith('fault:delay'));
}

/** The tape action the fault form describes (no `at`: the page stamps it). */
export function faultAction(state) {
  const [kind, ...rest] = $('#fault-target').value.split(':');
  const name = rest.join(':');
  const what = $('#fault-what').value;
  const ms = Number($('#fault-ms').value);
  if ((what === 'pause' || what.startsWith('fault:delay')) && !(Number.isSafeInteger(ms) && ms > 0)) {
    throw Object.assign(new Error(`the time must be a whole number of milliseconds above 0, not "${$('#fault-ms').value}"`), {
      code: 'INVALID_ARG',
    });
  }
  if (what.startsWith('fault:')) {
    const [, fault, direction] = what.split(':');
    const a = { op: 'fault', node: name, api: $('#fault-api').value, direction, fault };
    if (fault === 'delay') a.delayMs = ms;
    return a;
  }
  if (kind === 'broker') return { op: what };
  if (kind === 'producer') {
    if (what === 'zombie') return { op: 'zombie', producer: name, successor: freshName(state, `${name}-successor`) };
    return { op: what, producer: name };
  }
  if (what.startsWith('crash:')) return { op: 'crash', app: name, point: what.slice(6) };
  if (what === 'pause') return { op: 'pause', app: name, ms };
  return { op: what, app: name };
}

/** `base`, or `base-2`, `base-3`... whichever no client of the run is called. */
export function freshName(state, base) {
  const used = new Set([
    ...state.tape.config.producers.map((p) => p.name),
    ...state.tape.config.apps.map((a) => a.name),
    ...(state.frame?.lanes ?? []).map((l) => l.name),
    ...state.tape.actions.filter((a) => a.op === 'zombie').map((a) => a.successor),
  ]);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** The first `m<n>` no produce action of the tape uses. */
export function nextMessageId(state) {
  const used = new Set(state.tape.actions.filter((a) => a.op === 'produce').map((a) => a.id));
  let n = used.size + 1;
  while (used.has(`m${n}`)) n++;
  return `m${n}`;
}
