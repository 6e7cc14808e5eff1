// The URL fragment (format 2) round-trips a lesson run or a whole tape, refuses format 1 with
// a clear message, and names the problem of a broken link. Pure Node (no browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base64urlDecode,
  base64urlEncode,
  FORMAT_VERSION,
  LinkError,
  OLD_LINK_MESSAGE,
  parseFragment,
  sandboxTape,
  toFragment,
} from '../src/tape.js';

test('a lesson run at a moment survives the fragment, run names with spaces and symbols included', () => {
  const hash = toFragment({ lesson: 7, run: 'cooperative (cooperative-sticky) & more', at: 4200 });
  assert.match(hash, /^#v=2&lesson=7&run=cooperative%20\(cooperative-sticky\)%20%26%20more&at=4200$/);
  assert.deepEqual(parseFragment(hash), {
    kind: 'lesson',
    lesson: 7,
    run: 'cooperative (cooperative-sticky) & more',
    at: 4200,
    embed: false,
  });
  assert.deepEqual(parseFragment('#v=2&lesson=3'), { kind: 'lesson', lesson: 3, run: undefined, at: undefined, embed: false });
  assert.equal(parseFragment('#v=2&lesson=3&embed=1').embed, true);
});

test('a whole tape survives the fragment as base64url of its UTF-8 JSON', () => {
  const tape = sandboxTape();
  tape.actions.push({ at: 5000, op: 'produce', producer: 'producer', topic: 'orders', id: 'é/ü+?&=#' });
  const json = JSON.stringify(tape, null, 2);
  const hash = toFragment({ tapeJson: json, at: 5000, lesson: 2, run: 'idempotence off', fork: true, embed: true });
  assert.match(hash, /^#v=2&tape=[A-Za-z0-9_-]+&lesson=2&run=idempotence%20off&fork=1&at=5000&embed=1$/);
  const back = parseFragment(hash);
  assert.equal(back.kind, 'tape');
  assert.deepEqual(JSON.parse(back.tapeJson), tape);
  assert.equal(back.tapeJson, JSON.stringify(tape), 'the tape is compacted before encoding');
  assert.deepEqual([back.at, back.lesson, back.run, back.fork, back.embed], [5000, 2, 'idempotence off', true, true]);
  // Without the lesson and fork keys it is a plain tape.
  const plain = parseFragment(toFragment({ tapeJson: json }));
  assert.deepEqual([plain.lesson, plain.fork, plain.at], [undefined, false, undefined]);
});

test('base64url has no +, / or padding, and rejects what is not base64url', () => {
  for (const text of ['', 'a', 'ab', 'abc', '{"x":"\u00ff\u{1F600}"}', '>>>???']) {
    const b = base64urlEncode(text);
    assert.match(b, /^[A-Za-z0-9_-]*$/);
    assert.equal(base64urlDecode(b), text);
  }
  assert.throws(() => base64urlDecode('a+b/'), (e) => e instanceof LinkError && e.code === 'BAD_LINK');
  assert.throws(() => base64urlDecode('_w'), /not UTF-8/); // 0xff alone
});

test('a format 1 link (the first page) is refused with a clear message', () => {
  for (const hash of ['#v=1&seed=7&tape=drop.produce:m1.step', '#seed=7&tape=drop.step', '#v=1']) {
    assert.throws(
      () => parseFragment(hash),
      (e) => e.code === 'OLD_LINK' && e.message.startsWith(OLD_LINK_MESSAGE),
      hash,
    );
  }
  assert.equal(OLD_LINK_MESSAGE, 'this link is from an older playground (format 1)');
});

test('a broken link names its problem', () => {
  const bad = (hash, re) => assert.throws(() => parseFragment(hash), (e) => e.code === 'BAD_LINK' && re.test(e.message), hash);
  bad('#v=3&lesson=1', /format version 3 is not supported/);
  bad('#v=2&lesson=zero', /"zero" is not a lesson number/);
  bad('#v=2&lesson=0', /"0" is not a lesson number/);
  bad('#v=2&lesson=1&at=-5', /"-5" is not a whole number of milliseconds/);
  bad('#v=2&lesson=1&at=1.5', /"1.5"/);
  bad('#v=2&tape=%%%', /not URL-encoded/);
  bad('#v=2&tape=a+b', /not base64url/);
  bad(`#v=2&tape=${base64urlEncode('{"version": 2,')}`, /not JSON/);
  bad('#lesson=2', /no format version/);
});

test('no fragment, or the sandbox, is not an error', () => {
  assert.deepEqual(parseFragment(''), { kind: 'none', embed: false });
  assert.deepEqual(parseFragment('#'), { kind: 'none', embed: false });
  assert.deepEqual(parseFragment('#v=2&sandbox=1'), { kind: 'sandbox', embed: false });
  assert.deepEqual(parseFragment(toFragment({})), { kind: 'sandbox', embed: false });
  assert.deepEqual(parseFragment('#v=2&sandbox=1&embed=1'), { kind: 'sandbox', embed: true });
});

test('the sandbox tape: one topic of three partitions, one producer, a group of two consumers', () => {
  const t = sandboxTape();
  assert.equal(t.version, FORMAT_VERSION);
  assert.deepEqual(t.config.topics, [{ name: 'orders', partitions: 3 }]);
  assert.equal(t.config.producers.length, 1);
  assert.equal(t.config.apps.length, 2);
  assert.deepEqual(new Set(t.config.apps.map((a) => a.config['group.id'])), new Set(['shop']));
  assert.ok(t.actions.every((a, i) => i === 0 || a.at >= t.actions[i - 1].at), 'actions in time order');
  assert.notEqual(sandboxTape(), sandboxTape(), 'a fresh copy each time');
});
