'use strict'
// Our Node binding (KafkaJS's API) against Apache Kafka: the broker address is argv[2]
// (tests/compat/test_ours_vs_apache.py passes the broker it started). Per compression codec:
// admin().createTopics (3 partitions), producer().send of 1000 keyed records with headers,
// the RecordMetadata and partitions (murmur2, as KafkaJS's DefaultPartitioner), a consumer
// without groups (assign + seek, run/eachMessage) reading them back exactly, the admin's
// fetchTopicOffsets (earliest/latest) and deleteTopics. Exits non-zero on the first failure.

const assert = require('node:assert/strict')
const { Kafka, CompressionTypes } = require('../../../node')

const N = 1000
const PARTITIONS = 3

/** Java's Utils.murmur2, then toPositive % partitions (KafkaJS's DefaultPartitioner). */
function partitionFor(key) {
  const data = Buffer.from(key)
  const m = 0x5bd1e995
  let h = 0x9747b28c ^ data.length
  const n4 = data.length >> 2
  for (let i = 0; i < n4; i++) {
    const i4 = i * 4
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  const tail = data.length & ~3
  switch (data.length % 4) {
    case 3:
      h ^= data[tail + 2] << 16
    // falls through
    case 2:
      h ^= data[tail + 1] << 8
    // falls through
    case 1:
      h ^= data[tail]
      h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return (h & 0x7fffffff) % PARTITIONS
}

async function consumeN(consumer, n, ms) {
  const got = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} messages in ${ms} ms`)), ms)
    consumer
      .run({
        eachMessage: async (payload) => {
          got.push(payload)
          if (got.length === n) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
      .catch(reject)
  })
  await consumer.stop()
  return got
}

async function roundtrip(kafka, admin, codecName, codec) {
  const topic = `ours-node-${codecName}-${process.pid}-${Date.now()}`
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] }), true)
  // KafkaJS resolves false when the topic already exists.
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] }), false)

  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < N; i++) {
    messages.push({ key: `key-${i}`, value: `value-${i}-${codecName}`, headers: { index: String(i), codec: codecName } })
  }
  const metadata = await producer.send({ topic, messages, compression: codec, acks: -1 })
  await producer.disconnect()
  assert.deepEqual(metadata.map((m) => m.partition).sort(), [0, 1, 2])
  for (const m of metadata) {
    assert.equal(m.topicName, topic)
    assert.equal(m.errorCode, 0)
    assert.equal(m.baseOffset, '0', 'the first send to a new topic starts each partition at 0')
  }
  const expected = [[], [], []]
  messages.forEach((m, i) => expected[partitionFor(m.key)].push(i))

  const consumer = kafka.consumer({ groupId: 'unused-no-groups-yet', maxWaitTimeInMs: 500 })
  await consumer.connect()
  await consumer.assign([{ topic, partitions: [0, 1, 2], fromBeginning: false }])
  for (let p = 0; p < PARTITIONS; p++) consumer.seek({ topic, partition: p, offset: '0' })
  const got = await consumeN(consumer, N, 30000)
  await consumer.disconnect()
  const byPartition = [[], [], []]
  for (const { topic: t, partition, message } of got) {
    assert.equal(t, topic)
    byPartition[partition].push(message)
  }
  for (let p = 0; p < PARTITIONS; p++) {
    assert.equal(byPartition[p].length, expected[p].length, `partition ${p}`)
    byPartition[p].forEach((message, n) => {
      const i = expected[p][n]
      assert.equal(message.offset, String(n), `contiguous offsets in partition ${p}`)
      assert.equal(message.key.toString(), messages[i].key)
      assert.equal(message.value.toString(), messages[i].value)
      assert.deepEqual(
        Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, v.toString()])),
        messages[i].headers,
      )
    })
  }

  const offsets = await admin.fetchTopicOffsets(topic)
  assert.deepEqual(
    offsets.sort((a, b) => a.partition - b.partition).map((o) => [o.partition, o.low, o.high]),
    expected.map((e, p) => [p, '0', String(e.length)]),
  )
  await admin.deleteTopics({ topics: [topic] })
  console.log(`ok ${codecName}: ${N} records, partitions ${expected.map((e) => e.length).join('/')}`)
}

async function main() {
  const broker = process.argv[2]
  if (!broker) throw new Error('usage: node roundtrip.js BOOTSTRAP (the Apache Kafka broker host:port)')
  const kafka = new Kafka({ clientId: 'ours-node', brokers: [broker] })
  const admin = kafka.admin()
  await admin.connect()
  for (const [name, codec] of Object.entries({
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  })) {
    await roundtrip(kafka, admin, name, codec)
  }
  await assert.rejects(admin.deleteTopics({ topics: [`ours-node-missing-${Date.now()}`] }), (e) => {
    assert.equal(e.type, 'UNKNOWN_TOPIC_OR_PARTITION', `${e.type} ${e.code} ${e.message}`)
    return true
  })
  await admin.disconnect()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
