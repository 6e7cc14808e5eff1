// `make bench-wasm`: a million records through the playground's engine compiled to WebAssembly
// (wasm/pkg, loaded as wasm/test/*.mjs load it), the same workload natively beside it
// (wasm/examples/million.rs), medians of BENCH_WASM_RUNS runs (3).
//
// The workload (equal in both): a topic of 4 partitions; an idempotent producer (linger.ms 5,
// keys k0..k99) fed by an application that offers up to 10,000 records per virtual millisecond
// (fewer while the producer's buffer is full); a group consumer polling until it has every record.
// Virtual time moves only through the API (runFor), 1 ms per round. Printed: wall time, records/s
// (of wall time), CPU time (user + system of the process; on a shared machine the steadier figure)
// and virtual time, which must be equal in both builds (same seed, same calls). The records cross into the
// engine with `sendMany` and are counted with `pollCount` (one call per round, not per record);
// BENCH_WASM_PER_RECORD=1 also times one run with `send` and `poll` per record.
//
// node wasm/bench/million.mjs [records]   (NATIVE_BIN: the built example; unset skips native)
import { spawnSync } from 'node:child_process';
import kafkette from '../test/load.mjs';

const { Simulation } = kafkette;
const RECORDS = Number(process.argv[2] ?? process.env.BENCH_WASM_RECORDS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_WASM_RUNS ?? 3);
const SEED = 1;
const TOPIC = 'bench';
const PARTITIONS = 4;
const OFFER_PER_MS = 10_000;
const KEYS = 100;
const VIRTUAL_LIMIT_MS = 600_000;

if (!Number.isInteger(RECORDS) || RECORDS < 1) throw new Error(`records: a whole number above 0, not ${RECORDS}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`BENCH_WASM_RUNS: a whole number above 0, not ${RUNS}`);

function world() {
  const sim = new Simulation({ seed: SEED });
  const start = sim.now;
  sim.createTopic(TOPIC, PARTITIONS);
  const producer = sim.addProducer('producer', { 'enable.idempotence': true, 'linger.ms': 5 });
  const consumer = sim.addConsumer('consumer', {
    'group.id': 'bench',
    'enable.auto.commit': false,
    'auto.offset.reset': 'earliest',
  });
  sim.subscribe(consumer, [TOPIC]);
  return { sim, start, producer, consumer };
}

function finish(sim, start, consumed) {
  if (consumed !== RECORDS) throw new Error(`consumed ${consumed} records, sent ${RECORDS}`);
  return sim.now - start;
}

function stuck(sim, start, consumed) {
  if (sim.now - start > VIRTUAL_LIMIT_MS) {
    throw new Error(`stuck: ${consumed} of ${RECORDS} records consumed after ${VIRTUAL_LIMIT_MS} virtual ms`);
  }
}

/// The bulk path: one sendMany and a few pollCount calls per virtual millisecond.
function runBulk() {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { sim, start, producer, consumer } = world();
  let sent = 0;
  let consumed = 0;
  while (consumed < RECORDS) {
    if (sent < RECORDS) {
      const end = Math.min(sent + OFFER_PER_MS, RECORDS);
      const values = [];
      const keys = [];
      for (let i = sent; i < end; i++) {
        values.push(`m${i}`);
        keys.push(`k${i % KEYS}`);
      }
      sent += sim.sendMany(producer, TOPIC, values, keys);
    }
    sim.runFor(1);
    for (let n; (n = sim.pollCount(consumer)) > 0; ) consumed += n;
    stuck(sim, start, consumed);
  }
  const virtualMs = finish(sim, start, consumed);
  return { wallMs: performance.now() - t0, cpuMs: cpuMs(c0), virtualMs };
}

/// The per-record path: `send` with a record object and `poll` returning record objects.
function runPerRecord() {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { sim, start, producer, consumer } = world();
  let sent = 0;
  let consumed = 0;
  while (consumed < RECORDS) {
    const end = Math.min(sent + OFFER_PER_MS, RECORDS);
    for (; sent < end; sent++) {
      try {
        sim.send(producer, { topic: TOPIC, key: `k${sent % KEYS}`, value: `m${sent}` });
      } catch (e) {
        if (e.code !== 'QUEUE_FULL') throw e;
        break;
      }
    }
    sim.runFor(1);
    for (let r; (r = sim.poll(consumer)).length > 0; ) consumed += r.length;
    stuck(sim, start, consumed);
  }
  const virtualMs = finish(sim, start, consumed);
  return { wallMs: performance.now() - t0, cpuMs: cpuMs(c0), virtualMs };
}

/// This process's user + system CPU time since `c0`, in milliseconds (Node's own threads included).
function cpuMs(c0) {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function summary(label, runs) {
  const wallMs = median(runs.map((r) => r.wallMs));
  const cpu = runs.every((r) => typeof r.cpuMs === 'number') ? median(runs.map((r) => r.cpuMs)) : null;
  const virtualMs = median(runs.map((r) => r.virtualMs));
  const rate = RECORDS / (wallMs / 1000);
  const cpuText = cpu === null ? 'cpu n/a' : `${(cpu / 1000).toFixed(2)} s cpu`;
  console.log(
    `  ${label.padEnd(36)} ${(wallMs / 1000).toFixed(2).padStart(6)} s wall  ${fmt(rate).padStart(10)} records/s` +
      `  ${cpuText}  ${fmt(virtualMs)} ms virtual  (wall ${runs.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ')} s)`,
  );
  return { wallMs, cpuMs: cpu, virtualMs };
}

console.log(`bench-wasm: ${fmt(RECORDS)} records produced and consumed in the engine, medians of ${RUNS} runs`);
const wasm = summary('wasm (Node, sendMany/pollCount)', Array.from({ length: RUNS }, runBulk));

let native = null;
if (process.env.NATIVE_BIN) {
  const out = spawnSync(process.env.NATIVE_BIN, [String(RECORDS), String(RUNS)], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${process.env.NATIVE_BIN} failed (${out.status}): ${out.stderr}`);
  const runs = out.stdout.trim().split('\n').map((line) => JSON.parse(line));
  native = summary('native (release, same engine)', runs);
  if (native.virtualMs !== wasm.virtualMs) {
    throw new Error(`virtual time differs: wasm ${wasm.virtualMs} ms, native ${native.virtualMs} ms (same seed)`);
  }
}
if (process.env.BENCH_WASM_PER_RECORD === '1') {
  summary('wasm (Node, send/poll per record)', [runPerRecord()]);
}
if (native) {
  const cpu = wasm.cpuMs !== null && native.cpuMs ? `, CPU time ${(wasm.cpuMs / native.cpuMs).toFixed(2)}x` : '';
  console.log(`  wasm / native: wall time ${(wasm.wallMs / native.wallMs).toFixed(2)}x${cpu}`);
}
