// The URL fragment round-trips a run, and duplicates are told apart from repeated sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SEED, fromFragment, toFragment } from '../src/tape.js';
import { findDuplicates } from '../src/render.js';

test('a tape survives the URL fragment, values with dots and ampersands included', () => {
  const run = { seed: 42, tape: [{ op: 'drop' }, { op: 'produce', value: 'a.b&c=d é' }, { op: 'step' }, { op: 'wait', ms: 100 }, { op: 'poll' }] };
  const hash = toFragment(run);
  assert.match(hash, /^#v=1&seed=42&tape=drop\.produce:/);
  assert.deepEqual(fromFragment(hash), run);
});

test('a missing, foreign or broken fragment starts the default run and says why', () => {
  assert.deepEqual(fromFragment(''), { seed: DEFAULT_SEED, tape: [] });
  assert.match(fromFragment('#v=9&seed=1').warning, /v9/);
  assert.match(fromFragment('#v=1&seed=-3').warning, /bad seed/);
  assert.match(fromFragment('#v=1&seed=1&tape=explode').warning, /unknown action/);
  assert.match(fromFragment('#v=1&seed=1&tape=wait:-5').warning, /bad wait/);
});

test('a copy is a duplicate only beyond the times the app sent that value', () => {
  const recs = [
    { offset: 0, value: 'a' },
    { offset: 1, value: 'a' },
    { offset: 2, value: 'b' },
    { offset: 3, value: 'b' },
    { offset: 4, value: 'b' },
  ];
  const dup = findDuplicates(recs, new Map([['a', 1], ['b', 2]]));
  assert.deepEqual([...dup.entries()], [[1, { twin: 0, copy: 2 }], [4, { twin: 2, copy: 3 }]]);
});
