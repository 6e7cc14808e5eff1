// kafkajs transactions (issue 5) against a Kafka-protocol broker, the broker's answers for test_kafkajs_eos.py
// to check: a producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 }) runs three transactions
// on one topic (commit, abort, commit); a readUncommitted: false consumer and a readUncommitted: true one read
// the topic in groups; then a copier (consumer in a group, autoCommit off) copies a plain input topic to an
// output topic one transaction per fetched batch (eachBatch) with producer.transaction(): send, sendOffsets,
// commit, after one transaction with send and sendOffsets that it aborts; a read_committed consumer reads the
// output and the admin client lists the copier group's committed offsets.
//
// Usage: node transactions.js BOOTSTRAP PREFIX. Prints one JSON object: {sent: {committed, aborted},
// readCommitted, readUncommitted, input, output, copierOffsets} with records as [partition, offset, key, value].

'use strict'

const { Kafka, logLevel } = require('kafkajs')

const PARTITIONS = 3
const PER_TXN = 30
const TIMEOUT = 20000

const [bootstrap, prefix] = process.argv.slice(2)
const kafka = new Kafka({
  clientId: 'compat-kafkajs-eos',
  brokers: bootstrap.split(','),
  logLevel: logLevel.ERROR,
  retry: { retries: 3 },
})

const messages = (label, n) =>
  Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `${label}-${i}`, partition: i % PARTITIONS }))
const row = (partition, m) => [partition, Number(m.offset), m.key.toString(), m.value.toString()]

async function withDeadline(what, promise) {
  let timer
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${TIMEOUT} ms: ${what}`)), TIMEOUT)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

// Every record of topic from the beginning, in a fresh group, once `expect` arrived and a quiet second passed.
async function readAll(topic, readUncommitted, expect) {
  const consumer = kafka.consumer({
    groupId: `${prefix}-reader-${readUncommitted ? 'all' : 'committed'}-${topic}`,
    readUncommitted,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  })
  const got = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await withDeadline(
      `reading ${expect} records of ${topic}`,
      new Promise((resolve, reject) => {
        let quiet = null
        consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              got.push(row(partition, message))
              if (got.length >= expect) {
                clearTimeout(quiet)
                quiet = setTimeout(resolve, 1000)
              }
            },
          })
          .catch(reject)
      })
    )
  } finally {
    await consumer.disconnect()
  }
  return got
}

async function transactions(producer, topic) {
  const committed = []
  const aborted = []
  for (const [label, commit] of [['committed1', true], ['aborted', false], ['committed2', true]]) {
    const txn = await producer.transaction()
    const batch = messages(label, PER_TXN)
    await txn.send({ topic, messages: batch })
    if (commit) {
      await txn.commit()
      committed.push(...batch)
    } else {
      await txn.abort()
      aborted.push(...batch)
    }
  }
  const plain = m => [m.partition, m.key, m.value]
  return { committed: committed.map(plain), aborted: aborted.map(plain) }
}

async function copy(producer, admin, input, output) {
  const groupId = `${prefix}-copier`
  const plainProducer = kafka.producer()
  await plainProducer.connect()
  await plainProducer.send({ topic: input, messages: messages('input', 2 * PER_TXN) })
  await plainProducer.disconnect()

  const consumer = kafka.consumer({ groupId, readUncommitted: false, heartbeatInterval: 500, maxWaitTimeInMs: 200 })
  const inputRead = []
  let abortedOnce = false
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [input], fromBeginning: true })
    await withDeadline(
      'copying the input',
      new Promise((resolve, reject) => {
        consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
        consumer
          .run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            eachBatch: async ({ batch, resolveOffset }) => {
              const { topic, partition } = batch
              const next = String(Number(batch.lastOffset()) + 1)
              const partitions = [{ partition, offset: next }]
              const offsets = { consumerGroupId: groupId, topics: [{ topic, partitions }] }
              const messages = batch.messages.map(m => ({ key: m.key, value: m.value, partition }))
              const out = { topic: output, messages }
              if (!abortedOnce) {
                abortedOnce = true // this batch's copy and offset vanish; the next transaction redoes it
                const doomed = await producer.transaction()
                await doomed.send(out)
                await doomed.sendOffsets(offsets)
                await doomed.abort()
              }
              const txn = await producer.transaction()
              try {
                await txn.send(out)
                await txn.sendOffsets(offsets)
                await txn.commit()
              } catch (e) {
                await txn.abort()
                throw e
              }
              batch.messages.forEach(m => resolveOffset(m.offset))
              inputRead.push(...batch.messages.map(m => row(partition, m)))
              if (inputRead.length === 2 * PER_TXN) resolve()
            },
          })
          .catch(reject)
      })
    )
  } finally {
    await consumer.disconnect()
  }
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] })
  return {
    input: inputRead,
    output: await readAll(output, false, 2 * PER_TXN),
    copierOffsets: offsets.partitions.map(p => [p.partition, Number(p.offset)]),
  }
}

async function main() {
  const topic = `${prefix}-txn`
  const input = `${prefix}-in`
  const output = `${prefix}-out`
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    topics: [topic, input, output].map(t => ({ topic: t, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  })
  const producer = kafka.producer({ transactionalId: `${prefix}-tx`, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    const sent = await transactions(producer, topic)
    const readCommitted = await readAll(topic, false, sent.committed.length)
    const readUncommitted = await readAll(topic, true, sent.committed.length + sent.aborted.length)
    const copied = await copy(producer, admin, input, output)
    console.log(JSON.stringify({ sent, readCommitted, readUncommitted, ...copied }))
  } finally {
    await producer.disconnect()
    await admin.disconnect()
  }
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : e)
  process.exit(1)
})
