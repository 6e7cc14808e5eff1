// The package loads and runs core code compiled to wasm32.
import test from 'node:test';
import assert from 'node:assert/strict';
import kafkette from './load.mjs';

test('keys partition like the Java client (murmur2, positive-masked)', () => {
  const key = new TextEncoder().encode('foobar');
  assert.equal(kafkette.partitionForKey(key, 10), 6);
});
