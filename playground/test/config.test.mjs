// The configuration panel's edits (src/config.js): one setting changed gives a new tape with the
// same seed, actions and end; a value the setting cannot take is refused naming the setting.
// Pure Node: the lesson files' tapes are the inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, LESSON_KEYS, paths, valueOf, withSetting } from '../src/config.js';

function tapeOf(id, run = 0) {
  const dir = new URL('../../wasm/lessons/', import.meta.url);
  const name = {
    2: '02-retries-duplicate.json',
    7: '07-rebalances.json',
    12: '12-lag-retention.json',
    11: '11-exactly-once.json',
  }[id];
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')).runs[run].tape;
}

test('lesson 2: idempotence off to on changes that property only', () => {
  const a = tapeOf(2);
  const path = paths(a).find((p) => p.key === 'enable.idempotence').path;
  assert.equal(path, 'producer/producer/enable.idempotence');
  assert.equal(valueOf(a, path), 'false');
  const b = withSetting(a, path, 'true');
  assert.equal(valueOf(b, path), 'true');
  assert.equal(valueOf(a, path), 'false', 'the original is untouched');
  const strip = (t) => ({ ...t, config: { ...t.config, producers: t.config.producers.map((p) => ({ ...p, config: { ...p.config, 'enable.idempotence': 'x' } })) } });
  assert.deepEqual(strip(b), strip(a), 'seed, actions, end and everything else the same');
});

test('a group setting applies to every app of the group; an empty value is the default again', () => {
  const a = tapeOf(7);
  const path = 'group/shop/partition.assignment.strategy';
  assert.ok(paths(a).some((p) => p.path === path));
  const b = withSetting(a, path, 'cooperative-sticky');
  const groupApps = b.config.apps.filter((x) => x.config['group.id'] === 'shop');
  assert.ok(groupApps.length >= 3);
  assert.ok(groupApps.every((x) => x.config['partition.assignment.strategy'] === 'cooperative-sticky'));
  const c = withSetting(b, path, '');
  assert.ok(c.config.apps.every((x) => !('partition.assignment.strategy' in x.config)));
  assert.equal(valueOf(c, path), '');
});

test('topic partitions and retention, the app commit policy', () => {
  const a = tapeOf(12);
  assert.equal(valueOf(a, 'topic/clicks/retention.ms'), '60000');
  const b = withSetting(withSetting(a, 'topic/clicks/@partitions', '2'), 'topic/clicks/retention.ms', '30000');
  assert.deepEqual(b.config.topics[0], { ...a.config.topics[0], partitions: 2, configs: { 'retention.ms': '30000' } });
  const c = withSetting(a, 'app/dashboard/@commit', 'beforeProcessing');
  assert.equal(c.config.apps[0].commit, 'beforeProcessing');
  assert.equal(describe('app/dashboard/@commit'), 'consumer dashboard: commit (before or after processing)');
});

test('values a setting cannot take are refused, naming the setting', () => {
  const a = tapeOf(12);
  const bad = (path, value, re) =>
    assert.throws(() => withSetting(a, path, value), (e) => e.code === 'INVALID_ARG' && re.test(e.message), `${path}=${value}`);
  bad('topic/clicks/@partitions', 'three', /partitions must be a whole number, not "three"/);
  bad('topic/clicks/@partitions', '', /partitions needs a value/);
  bad('producer/producer/acks', '2', /acks is one of 0, 1, all, not "2"/);
  bad('app/dashboard/@commit', 'sometimes', /commit .* is one of beforeProcessing, afterProcessing, never/);
  bad('producer/nobody/acks', 'all', /there is no producer nobody/);
  bad('producer/producer/linger.ms', '5', /linger.ms is not a producer setting/);
  bad('nonsense', '1', /bad setting path/);
});

test('every lesson names settings that its panel shows; copiers have no commit policy', () => {
  assert.deepEqual(Object.keys(LESSON_KEYS).map(Number), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const eleven = tapeOf(11);
  const keys = paths(eleven).filter((p) => p.owner === 'billing').map((p) => p.key);
  assert.ok(keys.includes('isolation.level'));
  assert.ok(!keys.includes('@commit'), 'a copier commits in its transaction');
});
