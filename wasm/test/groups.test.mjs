// Consumer groups in the Simulation: the real group coordinator and group consumers compiled
// to wasm32, a rebalance when a member leaves, commits, and the group in the snapshot.
import test from 'node:test';
import assert from 'node:assert/strict';
import kafkette from './load.mjs';

const { Simulation } = kafkette;

function member(sim, name) {
  const c = sim.addConsumer(name, { 'group.id': 'g', 'auto.offset.reset': 'earliest' });
  sim.subscribe(c, ['t']);
  return c;
}

const assigned = (sim, c) =>
  sim.snapshot().consumers.find((v) => v.node === c).partitions.map((p) => p.partition);

// Polls the members (as an application would) until `done`, 20 s of virtual time at most.
function runUntil(sim, members, done) {
  for (let i = 0; i < 400; i++) {
    if (done()) return;
    sim.runFor(50);
    for (const c of members) sim.poll(c);
  }
  assert.fail(`not reached: ${JSON.stringify(sim.snapshot().groups)}`);
}

test('two members share a topic; when one closes the other gets everything', () => {
  const sim = new Simulation({ seed: 11 });
  sim.createTopic('t', 2);
  const a = member(sim, 'a');
  const b = member(sim, 'b');
  runUntil(sim, [a, b], () => assigned(sim, a).length === 1 && assigned(sim, b).length === 1);

  const snap = sim.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
  const [g] = snap.groups;
  assert.equal(g.groupId, 'g');
  assert.equal(g.state, 'Stable');
  assert.equal(g.protocolType, 'consumer');
  assert.equal(typeof g.protocol, 'string');
  assert.ok(g.generation >= 1);
  assert.deepEqual(g.members.map((m) => m.clientId).sort(), ['a', 'b']);
  assert.deepEqual(
    g.members.flatMap((m) => m.assignment.map((p) => `${p.topic}-${p.partition}`)).sort(),
    ['t-0', 't-1'],
  );
  for (const c of snap.consumers) {
    assert.equal(c.groupId, 'g');
    assert.equal(c.generation, g.generation);
    assert.ok(g.members.some((m) => m.memberId === c.memberId));
    assert.deepEqual(c.subscription, ['t']);
  }

  const events = sim.consumerEvents(a);
  const types = events.map((e) => e.type);
  assert.ok(types.includes('Rebalancing'), types.join());
  const joined = events.filter((e) => e.type === 'Joined').at(-1);
  assert.equal(joined.generation, g.generation);
  const granted = events.filter((e) => e.type === 'Assigned').flatMap((e) => e.partitions);
  assert.ok(granted.length >= 1);
  assert.deepEqual(sim.consumerEvents(a), [], 'each event is handed out once');

  sim.closeConsumer(b);
  const revoked = sim.consumerEvents(b).filter((e) => e.type === 'Revoked');
  assert.equal(revoked.flatMap((e) => e.partitions).length, 1);
  runUntil(sim, [a], () => assigned(sim, a).length === 2);
  const after = sim.snapshot().groups[0];
  assert.equal(after.state, 'Stable');
  assert.ok(after.generation > g.generation);
  assert.equal(after.members.length, 1);
  assert.equal(after.members[0].assignment.length, 2);
});

test('commit and committed, and the committed offsets in the snapshot', () => {
  const sim = new Simulation({ seed: 2 });
  sim.createTopic('t', 2);
  const p = sim.addProducer('p', {});
  for (const value of ['x', 'y', 'z']) sim.send(p, { topic: 't', value, partition: 0 });
  const a = member(sim, 'a');
  let got = [];
  runUntil(sim, [], () => {
    got = got.concat(sim.poll(a));
    return got.length === 3;
  });
  // Without a list: the positions of every assigned partition.
  const done = sim.commit(a);
  assert.deepEqual(done.find((o) => o.partition === 0), { topic: 't', partition: 0, offset: 3, metadata: null });
  assert.deepEqual(sim.commit(a, [{ topic: 't', partition: 1, offset: 5, metadata: 'm' }]), [
    { topic: 't', partition: 1, offset: 5, metadata: null },
  ]);
  assert.deepEqual(sim.committed(a, [{ topic: 't', partition: 1 }, { topic: 't', partition: 0 }, { topic: 'u', partition: 0 }]), [
    { topic: 't', partition: 1, offset: 5, metadata: 'm' },
    { topic: 't', partition: 0, offset: 3, metadata: null },
    { topic: 'u', partition: 0, offset: null, metadata: null },
  ]);
  const g = sim.snapshot().groups[0];
  assert.deepEqual(g.committed.map((c) => [c.topic, c.partition, c.offset, c.metadata]), [
    ['t', 0, 3, ''],
    ['t', 1, 5, 'm'],
  ]);
  assert.ok(sim.consumerEvents(a).some((e) => e.type === 'Assigned'));
});

test('offsets sent in a transaction are committed with it', () => {
  const sim = new Simulation({ seed: 4 });
  sim.createTopic('t', 1);
  const c = member(sim, 'c');
  runUntil(sim, [c], () => assigned(sim, c).length === 1);
  const p = sim.addProducer('p', { 'transactional.id': 'copier' });
  sim.initTransactions(p);
  sim.beginTransaction(p);
  sim.sendOffsetsToTransaction(p, [{ topic: 't', partition: 0, offset: 7 }], c);
  assert.equal(sim.snapshot().groups[0].pendingTransactionalOffsets, true);
  assert.deepEqual(sim.snapshot().transactions[0].groups, ['g']);
  assert.deepEqual(sim.snapshot().groups[0].committed, [], 'not before the commit');
  sim.commitTransaction(p);
  assert.equal(sim.committed(c, [{ topic: 't', partition: 0 }])[0].offset, 7);
  sim.beginTransaction(p);
  sim.sendOffsetsToTransaction(p, [{ topic: 't', partition: 0, offset: 9 }], c);
  sim.abortTransaction(p);
  assert.equal(sim.committed(c, [{ topic: 't', partition: 0 }])[0].offset, 7, 'an aborted one is dropped');
});

test('group misuse throws a clear Error', () => {
  const sim = new Simulation();
  const plain = sim.addConsumer('plain', {});
  const p = sim.addProducer('p', {});
  assert.throws(() => sim.subscribe(plain, ['t']), { code: 'INVALID_CONFIG_LOCAL', message: /group\.id/ });
  assert.throws(() => sim.subscribe(p, ['t']), { code: 'INVALID_ARG', message: /producer, not a consumer/ });
  assert.throws(() => sim.subscribe(99, ['t']), { code: 'INVALID_ARG', message: /no node 99/ });
  assert.throws(() => sim.subscribe(plain, 't'), { code: 'INVALID_ARG' });
  assert.throws(() => sim.commit(plain), { code: 'INVALID_CONFIG_LOCAL' });
  assert.throws(() => sim.consumerEvents(p), { code: 'INVALID_ARG' });
  const c = member(sim, 'c');
  assert.throws(() => sim.commit(c, [{ topic: 't', partition: 0, offset: -2 }]), { code: 'INVALID_ARG' });
  assert.throws(() => sim.commit(c, [{ topic: 't', partition: 0, offfset: 1 }]), {
    code: 'INVALID_ARG',
    message: /unknown field `offfset`/,
  });
  assert.throws(() => sim.committed(c, [{ topic: 't', part: 0 }]), { code: 'INVALID_ARG', message: /unknown field `part`/ });
});

test('a crashed member is removed after its session; restarted, it rejoins', () => {
  const sim = new Simulation({ seed: 3, inOrderLinks: true });
  sim.createTopic('t', 2);
  const a = member(sim, 'a');
  const b = member(sim, 'b');
  runUntil(sim, [a, b], () => assigned(sim, a).length === 1 && assigned(sim, b).length === 1);
  sim.crash(b);
  assert.equal(sim.snapshot().nodes[b].alive, false);
  assert.ok(sim.snapshot().journal.some((e) => e.kind === 'NodeCrashed' && e.node === b));
  assert.throws(() => sim.commit(b), { code: 'STATE', message: /crashed/ });
  assert.throws(() => sim.restart(a), { code: 'STATE' });
  assert.throws(() => sim.crash(99), { code: 'INVALID_ARG' });
  // No heartbeat from b: after session.timeout.ms (45 s) the coordinator removes it.
  for (let i = 0; i < 120 && assigned(sim, a).length < 2; i++) {
    sim.runFor(500);
    sim.poll(a);
  }
  assert.deepEqual(assigned(sim, a), [0, 1]);
  assert.equal(sim.snapshot().groups[0].members.length, 1);
  sim.restart(b);
  assert.equal(sim.snapshot().nodes[b].alive, true);
  sim.subscribe(b, ['t']);
  runUntil(sim, [a, b], () => assigned(sim, a).length === 1 && assigned(sim, b).length === 1);
  assert.equal(sim.snapshot().groups[0].members.length, 2);
});
