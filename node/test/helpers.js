'use strict'
// Shared by the tests: a fresh in-process cluster per test file, and KafkaJS's
// (Java-compatible) murmur2 partitioner written out in JavaScript.

const { Kafka, Cluster } = require('..')

function setup(brokerConfig = { 'num.partitions': 3 }) {
  const cluster = new Cluster(brokerConfig)
  const kafka = new Kafka({ clientId: 'test', brokers: [cluster.bootstrapServers] })
  return { cluster, kafka }
}

/** Java's `Utils.murmur2` (KafkaJS v2's DefaultPartitioner uses the same function). */
function murmur2(data) {
  const length = data.length
  const m = 0x5bd1e995
  const r = 24
  let h = 0x9747b28c ^ length
  const length4 = length >> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24)
    k = Math.imul(k, m)
    k ^= k >>> r
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  const tail = length & ~3
  switch (length % 4) {
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
  return h | 0
}

/** KafkaJS's DefaultPartitioner (Java's): toPositive(murmur2(key)) % partitions. */
const partitionFor = (key, partitions) => (murmur2(Buffer.from(key)) & 0x7fffffff) % partitions

/** Collect `n` messages with eachMessage, then stop; rejects after `ms`. */
async function consumeN(consumer, n, ms = 5000) {
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

module.exports = { setup, murmur2, partitionFor, consumeN, sleep }
