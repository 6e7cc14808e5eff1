// The only module that talks to the wasm package: it builds this page's world (one topic,
// one producer with idempotence off, one consumer), applies tape actions, and turns the
// engine's JSON snapshot into the view render.js draws.
//
// Time comes from the engine alone: the page never reads Date.now() or animation time.
// The engine's clock starts at an absolute epoch; the page shows milliseconds since then.
// Engine API used (wasm/src/simulation.rs): new Simulation({ seed }), now, nextEventTime(),
// createTopic, addProducer, addConsumer, assign, send, poll, dropNextResponse, step,
// runFor, snapshot() -> { now, topics, nodes, journal }; nodes[].positions is used when present.

import init, * as wasm from '../pkg/kafkette_wasm.js';

export const TOPIC = 'demo';
export const PRODUCER = 'p1';
export const CONSUMER = 'c1';

// Short timeouts so a lost acknowledgement is retried after a few steps, not 30 s.
export const PRODUCER_CONFIG = {
  'enable.idempotence': 'false',
  acks: 'all',
  'linger.ms': '0',
  'request.timeout.ms': '1000',
  'retry.backoff.ms': '100',
  'delivery.timeout.ms': '120000',
};
export const CONSUMER_CONFIG = { 'auto.offset.reset': 'earliest' };

let ready = null;

/** Loads and instantiates the wasm module once (fetches pkg/kafkette_wasm_bg.wasm). */
export function loadEngine() {
  ready ??= init().then(() => {
    if (typeof wasm.Simulation !== 'function') throw new Error('this build of the wasm package has no Simulation');
  });
  return ready;
}

export class World {
  constructor(seed) {
    this.seed = seed;
    this.sim = new wasm.Simulation({ seed });
    this.start = this.sim.now;
    this.sim.createTopic(TOPIC, 1);
    this.producer = this.sim.addProducer(PRODUCER, PRODUCER_CONFIG);
    this.consumer = this.sim.addConsumer(CONSUMER, CONSUMER_CONFIG);
    if (typeof this.sim.assign !== 'function') {
      throw new Error('this build of the wasm package has no Simulation.assign(consumer, [{ topic, partition, offset }])');
    }
    this.sim.assign(this.consumer, [{ topic: TOPIC, partition: 0, offset: 0 }]);
    this.sent = []; // { delivery, value } in send order
    this.polled = []; // records the consumer handed out, in order
  }

  apply(action) {
    switch (action.op) {
      case 'produce': {
        const delivery = this.sim.send(this.producer, { topic: TOPIC, value: action.value });
        this.sent.push({ delivery, value: action.value });
        break;
      }
      case 'poll':
        this.polled.push(...this.sim.poll(this.consumer));
        break;
      case 'drop':
        this.sim.dropNextResponse(this.producer, 'Produce');
        break;
      case 'step':
        this.sim.step();
        break;
      case 'wait':
        this.sim.runFor(action.ms);
        break;
      default:
        throw new Error(`unknown action ${action.op}`);
    }
  }

  /** Everything render.js draws, with times relative to the start of the run. */
  view() {
    const snap = this.sim.snapshot();
    const rel = (t) => (t === null || t === undefined ? null : t - this.start);
    const names = new Map(snap.nodes.map((n) => [n.id, n.name]));
    const values = new Map(this.sent.map((s) => [s.delivery, s.value]));
    const journal = snap.journal.map((e) => describe(e, rel(e.at), names.get(e.node), values));
    // Armed: a "drop" rule was added after the last Produce response the network dropped.
    const lastArmed = snap.journal.findLastIndex((e) => e.kind === 'FaultArmed');
    const armed = lastArmed >= 0 && !snap.journal.slice(lastArmed).some(isDroppedAck);
    // Delivery reports come from the journal: the engine's own record of what happened.
    const reports = new Map();
    for (const e of snap.journal) {
      if (e.node !== this.producer) continue;
      if (e.kind === 'Delivered') reports.set(e.delivery, { state: 'acknowledged', offset: e.offset });
      if (e.kind === 'DeliveryFailed') reports.set(e.delivery, { state: 'failed', error: e.error });
    }
    const sentCounts = new Map();
    for (const s of this.sent) sentCounts.set(s.value, (sentCounts.get(s.value) ?? 0) + 1);
    return {
      seed: this.seed,
      nowMs: rel(snap.now),
      nextEventMs: rel(this.sim.nextEventTime() ?? null),
      armed,
      sentCounts,
      partitions: snap.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partition,
          logStartOffset: p.logStartOffset,
          highWatermark: p.highWatermark,
          logEndOffset: p.logEndOffset,
          records: p.records.map((r) => ({ offset: r.offset, key: r.key, value: r.value ?? '' })),
        })),
      ),
      producers: [
        {
          name: PRODUCER,
          configText: 'enable.idempotence=false · acks=all · request.timeout.ms=1000 · retry.backoff.ms=100',
          sends: this.sent.map((s) => {
            const r = reports.get(s.delivery) ?? { state: 'in-flight' };
            const stateText =
              r.state === 'acknowledged'
                ? `acknowledged: offset ${r.offset}`
                : r.state === 'failed'
                  ? `failed: ${r.error}`
                  : 'waiting for acknowledgement';
            return { id: s.delivery, value: s.value, ...r, stateText };
          }),
        },
      ],
      consumers: snap.nodes
        .filter((n) => n.kind === 'consumer')
        .map((c) => ({
          name: c.name,
          positions: c.positions
            ? Object.fromEntries(c.positions.map((p) => [`${p.topic}/${p.partition}`, p.position]))
            : positionsFromJournal(snap.journal, c.id),
          polled: c.id === this.consumer ? this.polled : [],
        })),
      journal,
    };
  }
}

/**
 * Without positions in the snapshot: where this page's consumer reads next is the offset after
 * the last record a poll handed out (it starts at 0, is never sought, and never resets).
 */
function positionsFromJournal(journal, node) {
  const positions = { [`${TOPIC}/0`]: 0 };
  for (const e of journal) if (e.node === node && e.kind === 'Consumed') positions[`${e.topic}/${e.partition}`] = e.offset + 1;
  return positions;
}

const isDroppedAck = (e) => e.kind === 'Message' && e.direction === 'response' && e.fate === 'dropped';

/** One journal entry as a line a learner can read: who, what, and why. */
function describe(e, at, who, values) {
  const send = (d) => (values.has(d) ? `send #${d} (${values.get(d)})` : `send #${d}`);
  const base = { at, who: who ?? 'broker' };
  switch (e.kind) {
    case 'NodeAdded':
      return { ...base, kind: 'node-added', text: `${e.name} joined` };
    case 'FaultArmed':
      return { ...base, kind: 'fault-armed', fault: true, text: `fault armed: ${e.rule}` };
    case 'Send':
      return { ...base, kind: 'send', text: `${send(e.delivery)}: the record joins a batch` };
    case 'Message': {
      const what = e.direction === 'request' ? `${e.api} request →` : `← ${e.api} response`;
      const fate = {
        sent: '',
        dropped: ' DROPPED: it never arrives, so the sender will time out and retry',
        delayed: ` delayed by ${e.delayedByMs} ms`,
        duplicated: ' duplicated: it arrives twice',
      }[e.fate];
      return { ...base, kind: 'message', api: e.api, fault: e.fate !== 'sent', text: `${what} (correlation ${e.correlationId})${fate ?? ` ${e.fate}`}` };
    }
    case 'ResponseReceived':
      return { ...base, kind: 'response', api: e.api, text: `${e.api} response received (correlation ${e.correlationId})` };
    case 'Delivered':
      return { ...base, kind: 'delivered', text: `${send(e.delivery)} acknowledged: partition ${e.partition}, offset ${e.offset}` };
    case 'DeliveryFailed':
      return { ...base, kind: 'delivery-failed', fault: true, text: `${send(e.delivery)} failed: ${e.error}` };
    case 'Consumed':
      return { ...base, kind: 'consumed', text: `poll handed out ${e.topic}[${e.partition}] offset ${e.offset}` };
    default:
      return { ...base, kind: String(e.kind).toLowerCase(), text: e.what ?? JSON.stringify(e) };
  }
}
