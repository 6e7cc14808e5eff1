// The Simulation as the playground drives it: the real broker and producer compiled to
// wasm32, under a virtual clock, with a fault injected by the page.
import test from 'node:test';
import assert from 'node:assert/strict';
import kafkette from './load.mjs';

const { Simulation } = kafkette;

function droppedAck(seed) {
  const sim = new Simulation({ seed });
  sim.createTopic('t', 1);
  const p = sim.addProducer('p1', { 'enable.idempotence': false, 'request.timeout.ms': 1000 });
  sim.dropNextResponse(p, 'Produce');
  sim.send(p, { topic: 't', value: 'hello' });
  sim.runFor(10_000);
  return sim;
}

test('a dropped acknowledgement without idempotence stores the record twice', () => {
  const sim = droppedAck(7);
  const snap = sim.snapshot();
  assert.equal(snap.now, sim.now);
  const [topic] = snap.topics;
  assert.equal(topic.name, 't');
  const [log] = topic.partitions;
  assert.deepEqual(
    log.records.map((r) => [r.offset, r.value, r.producerId]),
    [[0, 'hello', -1], [1, 'hello', -1]],
  );
  assert.equal(log.highWatermark, 2);
  assert.equal(log.logEndOffset, 2);
  // The snapshot is plain JSON-compatible data: objects and numbers, no Maps or BigInts.
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
  const dropped = snap.journal.filter(
    (e) => e.kind === 'Message' && e.direction === 'response' && e.fate === 'dropped',
  );
  assert.deepEqual(dropped.map((e) => [e.api, snap.nodes[e.node].name]), [['Produce', 'p1']]);
});

test('an assigned consumer polls both copies, offsets in order', () => {
  const sim = droppedAck(7);
  const c = sim.addConsumer('c1', { 'auto.offset.reset': 'earliest' });
  sim.assign(c, [{ topic: 't', partition: 0 }]);
  let got = [];
  for (let i = 0; i < 20 && got.length < 2; i++) {
    sim.runFor(50);
    got = got.concat(sim.poll(c));
  }
  assert.deepEqual(got.map((r) => [r.partition, r.offset, r.value]), [[0, 0, 'hello'], [0, 1, 'hello']]);
  assert.throws(() => sim.assign(c, [{ topic: 't', partition: 0, offest: 1 }]), { code: 'INVALID_ARG' });
  assert.throws(() => sim.assign(99, []), { code: 'INVALID_ARG' });
});

test('the same seed and calls give the same snapshot', () => {
  assert.deepEqual(droppedAck(3).snapshot(), droppedAck(3).snapshot());
});

test('misuse throws an Error with the core answers', () => {
  const sim = new Simulation();
  assert.throws(() => sim.addProducer('p', { acks: 'several' }), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'INVALID_CONFIG_LOCAL');
    assert.equal(e.retriable, false);
    assert.equal(typeof e.fatal, 'boolean');
    return true;
  });
  assert.throws(() => sim.send(42, { topic: 't', value: 'x' }), { code: 'INVALID_ARG' });
  assert.throws(() => sim.runFor(1.5), { code: 'INVALID_ARG' });
  assert.throws(() => new Simulation({ sead: 1 }), { code: 'INVALID_ARG' });
  assert.throws(() => sim.createTopic('t', 0), { code: 'INVALID_PARTITIONS' });
  // The simulation is still usable after a thrown error.
  sim.createTopic('t', 2);
  assert.throws(() => sim.createTopic('t', 2), { code: 'TOPIC_ALREADY_EXISTS' });
  assert.equal(sim.snapshot().topics[0].partitions.length, 2);
});

test('a panic surfaces as a RuntimeError with its message on console.error', (t) => {
  const logged = [];
  t.mock.method(console, 'error', (m) => logged.push(String(m)));
  assert.throws(() => kafkette.__panicForTest(), WebAssembly.RuntimeError);
  assert.match(logged.join('\n'), /kafkette panicked: .*deliberately/s);
});

test('the producer inspector shows a batch whose acknowledgement was lost, then its retry', () => {
  const sim = new Simulation({ seed: 1 });
  sim.createTopic('t', 1);
  const p = sim.addProducer('p', { 'request.timeout.ms': 1000 });
  sim.dropNextResponse(p, 'Produce');
  sim.send(p, { topic: 't', value: 'x' });
  sim.runFor(100);
  let [prod] = sim.snapshot().producers;
  assert.equal(prod.idempotent, true);
  assert.ok(prod.producerId >= 0);
  assert.deepEqual(
    prod.inFlight.map((b) => [b.topic, b.partition, b.baseSequence, b.records, b.attempts]),
    [['t', 0, 0, 1, 1]],
  );
  assert.deepEqual(
    prod.partitions.map((q) => [q.nextSequence, q.ackedSequence, q.inFlightBatches]),
    [[1, 0, 1]],
  );
  sim.runFor(5_000);
  [prod] = sim.snapshot().producers;
  assert.deepEqual(prod.inFlight, []);
  assert.equal(prod.partitions[0].ackedSequence, 1);
  assert.equal(sim.snapshot().topics[0].partitions[0].records.length, 1);
});
