// Transactions in the Simulation as the playground's lessons 9 and 10 drive them: the real
// transaction coordinator and transactional producer compiled to wasm32.
import test from 'node:test';
import assert from 'node:assert/strict';
import kafkette from './load.mjs';

const { Simulation } = kafkette;

function pollFor(sim, c, ms) {
  const got = [];
  for (let t = 0; t < ms; t += 50) {
    sim.runFor(50);
    got.push(...sim.poll(c).map((r) => r.value));
  }
  return got;
}

function reader(sim, name, isolation) {
  const c = sim.addConsumer(name, { 'isolation.level': isolation, 'auto.offset.reset': 'earliest' });
  sim.assign(c, [{ topic: 't', partition: 0 }]);
  return c;
}

const log = (sim) => sim.snapshot().topics.find((t) => t.name === 't').partitions[0];

// One committed transaction (a, b), one aborted (c), one committed (d).
function threeTransactions() {
  const sim = new Simulation({ seed: 5 });
  sim.createTopic('t', 1);
  const p = sim.addProducer('p', { 'transactional.id': 'tx' });
  sim.initTransactions(p);
  for (const [values, commit] of [[['a', 'b'], true], [['c'], false], [['d'], true]]) {
    sim.beginTransaction(p);
    for (const value of values) sim.send(p, { topic: 't', value, partition: 0 });
    if (commit) {
      sim.commitTransaction(p);
    } else {
      sim.flushProducer(p);
      sim.runFor(100);
      sim.abortTransaction(p);
    }
  }
  return { sim, p };
}

test('a committed and an aborted transaction, read committed and uncommitted', () => {
  const { sim, p } = threeTransactions();
  const part = log(sim);
  assert.deepEqual(
    part.records.map((r) => [r.offset, r.value, r.control, r.aborted]),
    [
      [0, 'a', null, false],
      [1, 'b', null, false],
      [2, null, 'COMMIT', false],
      [3, 'c', null, true],
      [4, null, 'ABORT', false],
      [5, 'd', null, false],
      [6, null, 'COMMIT', false],
    ],
  );
  const pid = part.records[0].producerId;
  assert.deepEqual(part.aborted, [{ producerId: pid, firstOffset: 3, markerOffset: 4 }]);
  assert.deepEqual([part.lastStableOffset, part.highWatermark, part.logEndOffset, part.logStartOffset], [7, 7, 7, 0]);

  const snap = sim.snapshot();
  const [prod] = snap.producers;
  assert.equal(prod.node, p);
  assert.equal(prod.transactionalId, 'tx');
  assert.equal(prod.producerId, pid);
  assert.equal(prod.transactionState, 'Ready');
  assert.deepEqual(prod.inFlight, []);
  assert.deepEqual(prod.partitions.map((q) => [q.topic, q.partition, q.nextSequence]), [['t', 0, 4]]);
  assert.equal(snap.transactions[0].transactionalId, 'tx');
  assert.equal(snap.transactions[0].state, 'CompleteCommit');
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);

  const rc = reader(sim, 'rc', 'read_committed');
  const ru = reader(sim, 'ru', 'read_uncommitted');
  assert.deepEqual(pollFor(sim, rc, 500), ['a', 'b', 'd']);
  assert.deepEqual(pollFor(sim, ru, 500), ['a', 'b', 'c', 'd']);
  const consumers = sim.snapshot().consumers;
  assert.deepEqual(consumers.map((c) => [c.name, c.isolationLevel, c.partitions[0].position]), [
    ['rc', 'read_committed', 7],
    ['ru', 'read_uncommitted', 7],
  ]);
});

test('read_committed stops at the LSO while a transaction is open', () => {
  const { sim, p } = threeTransactions();
  sim.beginTransaction(p);
  sim.send(p, { topic: 't', value: 'open', partition: 0 });
  sim.flushProducer(p);
  sim.runFor(100);
  assert.deepEqual([log(sim).lastStableOffset, log(sim).highWatermark], [7, 8]);
  assert.equal(sim.snapshot().transactions[0].state, 'Ongoing');
  assert.deepEqual(sim.snapshot().transactions[0].partitions, [{ topic: 't', partition: 0 }]);
  const rc = reader(sim, 'rc', 'read_committed');
  const ru = reader(sim, 'ru', 'read_uncommitted');
  assert.deepEqual(pollFor(sim, rc, 500), ['a', 'b', 'd']);
  assert.deepEqual(pollFor(sim, ru, 500), ['a', 'b', 'c', 'd', 'open']);
  assert.equal(sim.snapshot().consumers[0].partitions[0].position, 7);
  sim.commitTransaction(p);
  assert.deepEqual(pollFor(sim, rc, 1000), ['open']);
  assert.deepEqual([log(sim).lastStableOffset, log(sim).highWatermark], [9, 9]);
});

test('a newer producer with the same transactional.id fences the zombie', () => {
  const sim = new Simulation({ seed: 9 });
  sim.createTopic('t', 1);
  const zombie = sim.addProducer('zombie', { 'transactional.id': 'tx' });
  sim.initTransactions(zombie);
  sim.beginTransaction(zombie);
  sim.send(zombie, { topic: 't', value: 'z1', partition: 0 });
  sim.flushProducer(zombie);
  sim.runFor(100);
  const successor = sim.addProducer('successor', { 'transactional.id': 'tx' });
  sim.initTransactions(successor);
  const [z, s] = sim.snapshot().producers;
  assert.ok(s.epoch > z.epoch, 'the successor has a newer epoch');
  assert.equal(log(sim).records[0].aborted, true, "the zombie's open transaction was aborted");
  sim.send(zombie, { topic: 't', value: 'z2', partition: 0 });
  assert.throws(() => sim.commitTransaction(zombie), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(typeof e.code, 'string');
    assert.ok(e.fatal || e.txnRequiresAbort, `${e.code}: ${e.message}`);
    return true;
  });
  sim.beginTransaction(successor);
  sim.send(successor, { topic: 't', value: 's1', partition: 0 });
  sim.commitTransaction(successor);
  assert.deepEqual(pollFor(sim, reader(sim, 'rc', 'read_committed'), 500), ['s1']);
});

test('transactional misuse throws a clear Error', () => {
  const sim = new Simulation();
  const plain = sim.addProducer('plain', {});
  const c = sim.addConsumer('c', {});
  assert.throws(() => sim.initTransactions(plain), { code: 'STATE' });
  assert.throws(() => sim.initTransactions(c), { code: 'INVALID_ARG', message: /consumer, not a producer/ });
  assert.throws(() => sim.commitTransaction(42), { code: 'INVALID_ARG', message: /no node 42/ });
  const p = sim.addProducer('p', { 'transactional.id': 'tx' });
  assert.throws(() => sim.beginTransaction(p), { code: 'STATE' });
  sim.initTransactions(p);
  sim.beginTransaction(p);
  assert.throws(() => sim.sendOffsetsToTransaction(p, [], c), { code: 'INVALID_ARG', message: /group\.id/ });
  assert.throws(() => sim.sendOffsetsToTransaction(p, [{ topic: 't', partition: 0, ofset: 1 }], c), {
    code: 'INVALID_ARG',
    message: /unknown field `ofset`/,
  });
  assert.throws(() => sim.addProducer('q', { 'transactional.idd': 'x' }), { code: 'INVALID_CONFIG_LOCAL' });
});

test('a producer restarted mid-transaction aborts what it left open', () => {
  const { sim, p } = threeTransactions();
  sim.beginTransaction(p);
  sim.send(p, { topic: 't', value: 'lost', partition: 0 });
  sim.flushProducer(p);
  sim.runFor(100);
  sim.crash(p);
  assert.throws(() => sim.commitTransaction(p), { code: 'STATE', message: /crashed/ });
  assert.equal(log(sim).lastStableOffset, 7, 'the open transaction holds the LSO');
  sim.restart(p);
  sim.initTransactions(p);
  const after = log(sim);
  assert.equal(after.records.find((r) => r.value === 'lost').aborted, true);
  assert.equal(after.lastStableOffset, after.highWatermark);
  assert.equal(sim.snapshot().producers[0].transactionState, 'Ready');
});
