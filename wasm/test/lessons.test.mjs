// The twelve lessons' golden runs under Node: the wasm engine replays each lesson's tape and
// must give the ledger its lesson file (wasm/lessons/NN-slug.json) expects at every key moment:
// the same files and the same matching rule as `cargo test` (engine/lessons/mod.rs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import kafkette from './load.mjs';

const dir = new URL('../lessons/', import.meta.url);
const files = readdirSync(dir).filter((f) => /^\d\d-.*\.json$/.test(f)).sort();
const golden = files.map((f) => ({ file: f, lesson: JSON.parse(readFileSync(new URL(f, dir), 'utf8')) }));

// `expected` is a subset of `actual`: objects name only the keys they check; an object matched
// against an array of objects picks elements by `id` (or `name`); arrays and scalars are equal.
function mismatches(expected, actual, path = '', out = []) {
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(expected) && isObj(actual)) {
    for (const [k, v] of Object.entries(expected)) {
      if (k in actual) mismatches(v, actual[k], `${path}.${k}`, out);
      else out.push(`${path}.${k}: expected ${JSON.stringify(v)}, missing`);
    }
  } else if (isObj(expected) && Array.isArray(actual)) {
    for (const [k, v] of Object.entries(expected)) {
      const el = actual.find((x) => isObj(x) && (x.id ?? x.name) === k);
      if (el) mismatches(v, el, `${path}[${k}]`, out);
      else out.push(`${path}[${k}]: expected ${JSON.stringify(v)}, no such element`);
    }
  } else if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) {
    expected.forEach((v, i) => mismatches(v, actual[i], `${path}[${i}]`, out));
  } else if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    out.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
  return out;
}

test('the module lists exactly the lessons of wasm/lessons, with their text and moments', () => {
  const listed = kafkette.lessons();
  assert.deepEqual(
    listed.map((l) => `${String(l.id).padStart(2, '0')}-${l.slug}.json`),
    files,
  );
  for (const l of listed) {
    const { lesson } = golden.find((g) => g.lesson.id === l.id);
    assert.equal(l.title, lesson.title);
    assert.equal(l.text, lesson.text);
    assert.deepEqual(
      l.runs.map((r) => [r.name, r.endMs, r.moments.map((m) => m.at)]),
      lesson.runs.map((r) => [r.name, r.tape.endMs, r.moments.map((m) => m.at)]),
    );
  }
});

for (const { file, lesson } of golden) {
  for (const run of lesson.runs) {
    test(`lesson ${lesson.id} (${lesson.title}), ${run.name}: golden verdicts and markers, twice the same`, () => {
      const at = run.moments.map((m) => m.at);
      const once = kafkette.replayTape(JSON.stringify(run.tape), at);
      const twice = kafkette.replayLesson(lesson.id, run.name);
      assert.deepEqual(once, twice, 'the same tape gives the same ledgers');
      run.moments.forEach((m, i) => {
        assert.equal(once[i].at, m.at);
        const diff = mismatches(m.expect, once[i].ledger);
        assert.deepEqual(diff, [], `${file} at ${m.at} ms (${m.caption})`);
      });
    });
  }
}

test('a wrong expectation fails the matcher (the golden checks can fail)', () => {
  const { lesson } = golden[0];
  const run = lesson.runs[0];
  const [first] = kafkette.replayTape(JSON.stringify(run.tape), [run.moments[0].at]);
  const [id, verdict] = Object.entries(first.ledger.verdicts)[0];
  const wrong = verdict === 'duplicated' ? 'exactlyOnce' : 'duplicated';
  assert.equal(mismatches({ verdicts: { [id]: wrong } }, first.ledger).length, 1);
});

test('a tape round-trips through lessonTape, and bad tapes are refused with a reason', () => {
  const { lesson } = golden[0];
  const run = lesson.runs[0];
  const exported = kafkette.lessonTape(lesson.id, run.name);
  assert.equal(JSON.parse(exported).seed, run.tape.seed);
  assert.deepEqual(kafkette.replayTape(exported, []), kafkette.replayTape(JSON.stringify(run.tape), []));
  assert.equal(kafkette.tapeFormatVersion(), run.tape.version);
  assert.throws(() => kafkette.replayTape('{"version": 1}', []), /tape/);
  assert.throws(() => kafkette.replayTape(JSON.stringify({ ...run.tape, version: 99 }), []), /version/);
  assert.throws(() => kafkette.replayTape(JSON.stringify(run.tape), [5, 1]), /ascending/);
  assert.throws(() => kafkette.replayTape(JSON.stringify(run.tape), [1.5]), /whole number/);
  assert.throws(() => kafkette.replayLesson(99, 'x'), /no lesson 99/);
});
