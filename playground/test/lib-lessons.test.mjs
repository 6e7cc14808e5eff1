// The checker lessons.test.mjs relies on, without a browser: a frame that shows exactly what a
// moment expects passes, and each kind of wrong page (a verdict, a marker, a missing committed
// offset, a member's assignment, a group's generation, an error shown) is reported by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lessonFragment, loadLessons } from './lib-lessons.mjs';

const LESSONS = loadLessons();
const moment = (id, run, at) => LESSONS.find((l) => l.id === id).runs[run].moments.find((m) => m.at === at);

/// The frame a correct page would show for `expect` (as readFrame returns it).
function frameFor(expect) {
  const frame = { body: {}, partitions: {}, ledger: { counts: {}, rows: {} }, groups: {}, lag: {}, error: '' };
  const counts = { lost: 0, duplicated: 0, exactlyOnce: 0, abortedRead: 0, pending: 0 };
  for (const [id, v] of Object.entries(expect.verdicts ?? {})) {
    frame.ledger.rows[id] = { verdict: v, copies: 0, attempts: 1, processed: 0 };
    if (v in counts) counts[v]++;
  }
  frame.ledger.counts = counts;
  const partition = (topic, p) => {
    const id = `${topic}-${p}`;
    frame.partitions[id] ??= {
      topic,
      partition: p,
      logStartOffset: 0,
      lastStableOffset: 0,
      highWatermark: 0,
      logEndOffset: 0,
      committed: {},
      positions: {},
      cells: [],
    };
    return frame.partitions[id];
  };
  for (const [id, mk] of Object.entries(expect.markers ?? {})) {
    const [, topic, p] = id.match(/^(.*)-(\d+)$/);
    Object.assign(partition(topic, Number(p)), {
      ...mk,
      committed: { ...(mk.committed ?? {}) },
      positions: { ...(mk.positions ?? {}) },
    });
    for (const [app, n] of Object.entries(mk.lag ?? {})) frame.lag[app] = { ...frame.lag[app], lag: n };
    for (const [app, n] of Object.entries(mk.stableLag ?? {})) frame.lag[app] = { ...frame.lag[app], stableLag: n };
  }
  for (const [id, m] of Object.entries(expect.messages ?? {})) {
    const row = (frame.ledger.rows[id] ??= { verdict: 'pending', copies: 0, attempts: 1, processed: 0 });
    if (m.attempts !== undefined) row.attempts = m.attempts;
    if (m.processed !== undefined) row.processed = Object.values(m.processed).reduce((a, b) => a + b, 0);
    if (m.copies !== undefined) {
      row.copies = m.copies.length;
      for (const c of m.copies) {
        partition(c.topic ?? 'topic', c.partition ?? 0).cells.push({
          offset: c.offset,
          message: id,
          aborted: c.state === 'aborted',
        });
      }
    }
  }
  for (const [id, g] of Object.entries(expect.groups ?? {})) {
    frame.groups[id] = { state: g.state, generation: g.generation, members: {} };
    for (const m of g.members ?? []) frame.groups[id].members[m] = { assignment: [], idle: true };
  }
  for (const [app, a] of Object.entries(expect.apps ?? {})) {
    if (a.assignment === undefined && a.generation === undefined) continue;
    const [gid] = Object.keys(frame.groups);
    const group = gid ? frame.groups[gid] : (frame.groups.g = { state: 'Stable', generation: a.generation, members: {} });
    if (a.assignment?.length || a.generation !== undefined) {
      group.members[app] = { assignment: [...(a.assignment ?? [])].sort(), idle: !a.assignment?.length };
    }
  }
  return frame;
}

test('a frame showing what every lesson moment expects passes', () => {
  let moments = 0;
  for (const l of LESSONS) {
    for (const r of l.runs) {
      for (const m of r.moments) {
        // Apps' assignments and groups' member lists must agree in a correct frame; the synthetic frame
        // builds members from both, so only moments where they agree are a fair positive control.
        const f = frameFor(m.expect);
        assert.deepEqual(check(f, m.expect), [], `lesson ${l.id} "${r.name}" at ${m.at}`);
        moments++;
      }
    }
  }
  assert.ok(moments >= 30, `${moments} moments`);
});

test('a wrong verdict is reported', () => {
  const m = moment(5, 0, 8000);
  const f = frameFor(m.expect);
  f.ledger.rows.m1.verdict = 'exactlyOnce';
  assert.deepEqual(check(f, m.expect), [
    'verdict of m1: page shows "exactlyOnce", lesson expects "duplicated"',
  ]);
});

test('wrong markers and a missing committed offset are reported', () => {
  const m = moment(9, 0, 2000);
  const f = frameFor(m.expect);
  f.partitions['ledger-0'].lastStableOffset = 3; // read_committed would see the open transaction
  delete f.partitions['ledger-0'].positions['committed-reader'];
  const bad = check(f, m.expect);
  assert.ok(bad.includes('ledger-0 lastStableOffset: page shows 3, lesson expects 0'), bad.join('\n'));
  assert.ok(bad.includes('ledger-0 positions marker of committed-reader: page shows null, lesson expects 0'), bad.join('\n'));
  const m4 = moment(4, 0, 8000);
  const f4 = frameFor(m4.expect);
  f4.partitions['events-0'].committed = {};
  assert.deepEqual(check(f4, m4.expect), ['events-0 committed marker of workers: page shows null, lesson expects 4']);
});

test('an empty committed object means no committed marker on the page', () => {
  const m = moment(5, 0, 2000);
  const f = frameFor(m.expect);
  f.partitions['events-0'].committed = { workers: 2 };
  assert.deepEqual(check(f, m.expect), ['events-0 committed markers: page shows {"workers":2}, lesson expects {}']);
});

test('a copy in the wrong place or not struck through is reported', () => {
  const m = moment(9, 0, 4000);
  const f = frameFor(m.expect);
  f.partitions['topic-0'].cells[0].aborted = false;
  assert.deepEqual(check(f, m.expect), ['copy of a1 at *-*@0 struck as aborted: page shows false, lesson expects true']);
  const m3 = moment(3, 0, 5000);
  const f3 = frameFor(m3.expect);
  f3.partitions['payments-0'].cells.find((c) => c.message === 'm1').offset = 0;
  const bad = check(f3, m3.expect);
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0], /^copy of m1 at payments-0@1: no cell/);
});

test('group generation, members and assignments are checked', () => {
  const m = moment(7, 0, 8000);
  const f = frameFor(m.expect);
  f.groups.shop.generation = 2;
  f.groups.shop.members.b.assignment = ['orders-2', 'orders-3'];
  delete f.groups.shop.members.c;
  const bad = check(f, m.expect);
  assert.ok(bad.includes('group shop generation: page shows 2, lesson expects 3'), bad.join('\n'));
  assert.ok(bad.includes('group shop members: page shows ["a","b"], lesson expects ["a","b","c"]'), bad.join('\n'));
  assert.ok(bad.some((b) => b.startsWith('assignment of b: page shows ["orders-2","orders-3"]')), bad.join('\n'));
  assert.ok(bad.some((b) => b.startsWith('c: no group member')), bad.join('\n'));
});

test('a restarted app is found as name#k, and an evicted one must hold nothing', () => {
  const m = moment(8, 0, 7500);
  const f = frameFor(m.expect);
  assert.deepEqual(check(f, m.expect), []);
  f.groups.workers.members['slow#2'] = { assignment: ['jobs-0'], idle: false };
  assert.deepEqual(check(f, m.expect), [
    'group workers members: page shows ["slow#2","spare"], lesson expects ["spare"]',
    'slow assigned jobs-0, lesson expects nothing',
  ]);
});

test('missing views, rows and shown errors are reported', () => {
  const m = moment(2, 0, 6000);
  assert.ok(check({ ...frameFor(m.expect), ledger: null }, m.expect).includes('ledger view [data-view="ledger"]: not on the page'));
  const f = frameFor(m.expect);
  delete f.ledger.rows.m2;
  f.error = 'engine: boom';
  const bad = check(f, m.expect);
  assert.ok(bad.includes('ledger row m2: not on the page'), bad.join('\n'));
  assert.ok(bad.includes('#error: page shows "engine: boom", lesson expects ""'), bad.join('\n'));
});

test('lesson URLs follow the v2 fragment', () => {
  assert.equal(lessonFragment(11, 'crash afterPoll', 25000), '#v=2&lesson=11&run=crash%20afterPoll&at=25000');
  assert.equal(lessonFragment(1, 'x'), '#v=2&lesson=1&run=x');
});
