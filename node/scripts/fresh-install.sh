#!/usr/bin/env bash
# Packs node/ with `npm pack` and installs the tarball into an empty folder, then
# produces and consumes through it: the package must carry its prebuilt .node file.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$PWD/.fresh"
rm -rf "$work"
mkdir -p "$work/app"
tgz=$(npm pack --silent --pack-destination "$work" | tail -1)
tar -tzf "$work/$tgz" >"$work/files"; grep -q 'package/kafkette.linux-x64-gnu.node' "$work/files" || { echo "the package lacks its .node file"; exit 1; }
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --offline --loglevel=error "$work/$tgz"
node -e "
const assert = require('node:assert/strict')
const { Kafka, Cluster } = require('kafkette')
;(async () => {
  const cluster = new Cluster()
  const kafka = new Kafka({ clientId: 'fresh', brokers: [cluster.bootstrapServers] })
  const producer = kafka.producer()
  await producer.connect()
  const [md] = await producer.send({ topic: 'fresh', messages: [{ key: 'k', value: 'hello', partition: 0 }] })
  assert.equal(md.baseOffset, '0')
  const consumer = kafka.consumer()
  await consumer.connect()
  await consumer.assign([{ topic: 'fresh', partitions: [0], fromBeginning: true }])
  const value = await new Promise((resolve) => consumer.run({ eachMessage: async ({ message }) => resolve(message.value.toString()) }))
  assert.equal(value, 'hello')
  await consumer.disconnect()
  await producer.disconnect()
  cluster.close()
  console.log('fresh-folder install: 1 passed, 0 failed')
})().catch((e) => { console.error(e); process.exit(1) })
"
rm -rf "$work"
