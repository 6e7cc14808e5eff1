// The playground's Session under Node (the built wasm/pkg): stepping forward and back lands on
// the same frames, seeking agrees from either side, frames have every part the views read,
// apply forks the tape, the timeline finds lesson 2's duplicate and lesson 7's rebalances, the
// diff shows the duplicate, and bad input throws an Error with a code (never a panic).
import test from 'node:test';
import assert from 'node:assert/strict';
import kafkette from './load.mjs';

const { Session } = kafkette;

function firstRun(id) {
  return Session.lessonRuns().find((l) => l.id === id).runs[0].name;
}

function throwsCode(fn, code, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `an Error, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('a lesson session starts at step 0 with its tape', () => {
  const s = Session.lesson(2, 'idempotence off');
  assert.equal(s.step(), 0);
  assert.equal(s.at(), 0);
  assert.equal(s.endMs(), 6000);
  const tape = JSON.parse(s.tapeJson());
  assert.equal(tape.version, 2);
  assert.equal(new Session(s.tapeJson()).tapeJson(), s.tapeJson());
  s.free();
});

test('stepping forward then back gives the same frames and events', () => {
  const s = Session.lesson(7, firstRun(7));
  const seen = [JSON.stringify(s.frame())];
  for (let i = 0; i < 150; i++) {
    assert.equal(s.stepForward(), true);
    seen.push(JSON.stringify(s.frame()));
  }
  const events = JSON.stringify(s.events());
  for (let i = 149; i >= 0; i--) {
    assert.equal(s.stepBack(), true);
    assert.equal(s.step(), i);
    assert.ok(JSON.stringify(s.frame()) === seen[i], `frame at step ${i}`);
  }
  assert.equal(s.stepBack(), false);
  s.seekStep(150);
  assert.equal(JSON.stringify(s.events()), events);
  // events(from) is the tail.
  const all = s.events();
  assert.deepEqual(s.events(all.length - 3), all.slice(-3));
  assert.ok(all.every((e, i) => e.i === i && e.step <= 150 && typeof e.text === 'string'));
  s.free();
});

test('the frame has every part the views draw', () => {
  const s = Session.lesson(2, 'idempotence off');
  s.seek(6000);
  const f = s.frame();
  assert.equal(f.at, s.at());
  assert.equal(f.endMs, 6000);
  for (const k of ['snapshot', 'ledger', 'records', 'messages', 'lag', 'armed', 'actions', 'brokerUp', 'lanes']) {
    assert.ok(k in f, `frame.${k}`);
  }
  assert.equal(f.snapshot.journal, undefined);
  assert.ok(f.snapshot.topics.length > 0);
  const recs = Object.values(f.records).flat();
  assert.equal(recs.filter((r) => r.duplicateOf !== null).length, 1, JSON.stringify(f.records));
  assert.ok(recs.every((r) => typeof r.producer === 'string'));
  assert.ok(f.messages.length > 0);
  const produce = f.messages.find((m) => m.api === 'Produce' && m.direction === 'request');
  assert.ok(produce && /seq|records/.test(produce.label), JSON.stringify(produce));
  assert.ok(f.messages.some((m) => m.fate === 'dropped'));
  assert.ok(f.lanes.some((l) => l.id === 'broker' && l.kind === 'broker'));
  assert.ok(f.messages.every((m) => f.lanes.some((l) => l.id === m.from) && f.lanes.some((l) => l.id === m.to)));
  assert.equal(f.brokerUp, true);
  assert.ok(f.actions.every((a) => a.applied === true && a.error === null));
  assert.ok(Array.isArray(f.ledger.messages));
  s.free();
});

test('seek lands on the same step from either side; time never passes the end', () => {
  const a = Session.lesson(7, firstRun(7));
  a.seek(6000);
  const b = Session.lesson(7, firstRun(7));
  b.seek(1e6);
  assert.equal(b.at(), b.endMs());
  assert.equal(b.stepForward(), false);
  b.seek(6000);
  assert.equal(a.step(), b.step());
  assert.ok(a.at() > 5000);
  assert.ok(JSON.stringify(a.frame()) === JSON.stringify(b.frame()));
});

test('the timeline has lesson 7 rebalances and lesson 2 duplicate; nextAnomaly finds it', () => {
  const s7 = Session.lesson(7, firstRun(7));
  const t7 = s7.timeline();
  assert.equal(t7.endMs, 14000);
  assert.ok(t7.ticks.filter((t) => t.kind === 'rebalance').length >= 3);
  const s2 = Session.lesson(2, 'idempotence off');
  const t2 = s2.timeline();
  const dup = t2.ticks.find((t) => t.anomaly === 'duplicate');
  assert.ok(dup, JSON.stringify(t2.ticks));
  const first = s2.nextAnomaly(-1);
  assert.ok(first <= dup.at);
  assert.equal(s2.nextAnomaly(1e9), undefined);
  assert.equal(s2.step(), 0, 'the timeline runs a copy');
  const on = Session.lesson(2, 'idempotence on').timeline();
  assert.ok(!on.ticks.some((t) => t.anomaly === 'duplicate'));
});

test('apply forks the tape from now; fork is independent', () => {
  const s = Session.lesson(5, firstRun(5));
  s.seek(2500);
  const at = s.at();
  const copy = s.fork();
  s.apply(JSON.stringify({ op: 'produce', producer: 'producer', topic: 'events', id: 'extra' }));
  const tape = JSON.parse(s.tapeJson());
  assert.equal(tape.actions.at(-1).at, at);
  assert.equal(tape.actions.at(-1).id, 'extra');
  assert.ok(tape.actions.every((a) => a.at <= at));
  const fresh = new Session(s.tapeJson());
  fresh.seekStep(s.step());
  assert.ok(JSON.stringify(fresh.frame()) === JSON.stringify(s.frame()));
  assert.equal(JSON.parse(copy.tapeJson()).actions.length, JSON.parse(Session.lesson(5, firstRun(5)).tapeJson()).actions.length);
  s.seek(1e6);
  assert.ok(s.frame().ledger.messages.some((m) => m.id === 'extra'));
});

test('a refused action throws with a code and changes nothing', () => {
  const s = Session.lesson(5, firstRun(5));
  s.seek(1000);
  const before = s.tapeJson();
  throwsCode(() => s.apply('{"op": "flush", "producer": "nobody"}'), 'INVALID_ARG', /nobody/);
  throwsCode(() => s.apply('not json'), 'INVALID_ARG', /action/);
  throwsCode(() => s.apply('{"op": "teleport"}'), 'INVALID_ARG', /teleport/);
  assert.equal(s.tapeJson(), before);
});

test('bad input throws an Error with a code', () => {
  throwsCode(() => new Session('{'), 'INVALID_ARG', /tape/);
  throwsCode(() => new Session('{"version": 1, "seed": 0, "config": {}, "endMs": 10}'), 'INVALID_ARG', /version/);
  throwsCode(() => Session.lesson(99, 'x'), 'INVALID_ARG', /lesson 99/);
  throwsCode(() => Session.lesson(1.5), 'INVALID_ARG', /lesson 1.5/);
  assert.equal(Session.lesson(2).tapeJson(), Session.lesson(2, 'idempotence off').tapeJson(), 'the first run');
  const s = Session.lesson(2, 'idempotence off');
  for (const t of [NaN, -1, Infinity]) {
    throwsCode(() => s.seek(t), 'INVALID_ARG', /seek/);
    throwsCode(() => s.setEndMs(t), 'INVALID_ARG');
  }
  throwsCode(() => s.seekStep(-3), 'INVALID_ARG', /seekStep/);
  throwsCode(() => s.events(-1), 'INVALID_ARG');
  throwsCode(() => Session.diff('{', s.tapeJson(), 100), 'INVALID_ARG', /tape A/);
  throwsCode(() => Session.diff(s.tapeJson(), s.tapeJson(), NaN), 'INVALID_ARG');
  // The module still works.
  assert.equal(s.stepForward(), true);
});

test('diff of lesson 2 runs shows the duplicate', () => {
  const off = Session.lesson(2, 'idempotence off').tapeJson();
  const on = Session.lesson(2, 'idempotence on').tapeJson();
  const d = Session.diff(off, on, 6000);
  assert.equal(d.atMs, 6000);
  assert.ok(d.changes >= 1);
  const row = d.rows.find((r) => !r.same);
  assert.equal(row.aCopies, 2);
  assert.equal(row.bCopies, 1);
  assert.equal(d.a.counts.duplicated, 1);
});

test('stepBack on the largest lesson run stays interactive', (t) => {
  const s = Session.lesson(11, 'crash afterProcessing');
  let start = performance.now();
  while (s.stepForward());
  const forward = performance.now() - start;
  const steps = s.step();
  const n = 100;
  start = performance.now();
  for (let i = 0; i < n; i++) assert.equal(s.stepBack(), true);
  const back = (performance.now() - start) / n;
  start = performance.now();
  const f = s.frame();
  const frame = performance.now() - start;
  t.diagnostic(
    `lesson 11: ${steps} steps forward in ${forward.toFixed(1)} ms; stepBack ${back.toFixed(2)} ms each; ` +
      `frame ${frame.toFixed(2)} ms (${f.messages.length} arrows)`,
  );
  // A key press must answer well within a frame budget of a few hundred ms even on a slow machine.
  assert.ok(back < 250, `stepBack took ${back} ms`);
});

test('a broker outage shows in frames and events', () => {
  const tape = JSON.parse(Session.lesson(2, 'idempotence on').tapeJson());
  tape.actions = tape.actions.filter((a) => a.op !== 'fault');
  tape.actions.push({ at: 1000, op: 'brokerDown' }, { at: 2000, op: 'produce', producer: 'producer', topic: 'orders', id: 'm3' }, { at: 4000, op: 'brokerUp' });
  tape.actions.sort((a, b) => a.at - b.at);
  tape.endMs = 20000;
  const s = new Session(JSON.stringify(tape));
  s.seek(3000);
  const f = s.frame();
  assert.equal(f.brokerUp, false);
  assert.equal(f.lanes.find((l) => l.id === 'broker').alive, false);
  assert.equal(f.ledger.verdicts.m3, 'pending');
  assert.ok(s.events().some((e) => e.kind === 'broker' && e.anomaly === 'crash'));
  throwsCode(() => s.apply('{"op": "brokerDown"}'), 'STATE', /down already/);
  s.seek(20000);
  assert.equal(s.frame().brokerUp, true);
  assert.deepEqual(s.frame().ledger.verdicts, { m1: 'exactlyOnce', m2: 'exactlyOnce', m3: 'exactlyOnce' });
});
