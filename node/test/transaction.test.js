'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { setup, consumeN, sleep } = require('./helpers')

const { kafka } = setup({ 'num.partitions': 1 })

async function createTopic(topic, numPartitions = 1) {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions }] })
  await admin.disconnect()
}

async function readCommitted(topic, n, groupId) {
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const got = await consumeN(consumer, n, 10000)
  await consumer.disconnect()
  return got.map((p) => p.message.value.toString())
}

test('committed transactions are seen by a read_committed consumer, aborted ones never', async () => {
  await createTopic('t-eos')
  const producer = kafka.producer({ transactionalId: 'tx-1', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  assert.equal(producer.isIdempotent(), true)

  const aborted = await producer.transaction()
  assert.equal(aborted.isActive(), true)
  await assert.rejects(producer.transaction(), (e) => e.code === 'ILLEGAL_STATE' || /ongoing transaction/.test(e.message))
  await aborted.send({ topic: 't-eos', messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] })
  await aborted.abort()
  assert.equal(aborted.isActive(), false)
  await assert.rejects(aborted.send({ topic: 't-eos', messages: [{ value: 'x' }] }), /no longer active/)

  const committed = await producer.transaction()
  const md = await committed.send({ topic: 't-eos', messages: [{ value: 'one' }] })
  assert.equal(md[0].topicName, 't-eos')
  await committed.sendBatch({ topicMessages: [{ topic: 't-eos', messages: [{ value: 'two' }] }] })
  await committed.commit()
  assert.equal(committed.isActive(), false)

  // Outside a transaction a transactional producer refuses to send.
  await assert.rejects(producer.send({ topic: 't-eos', messages: [{ value: 'loose' }] }), /inside a transaction/)
  await producer.disconnect()

  assert.deepEqual(await readCommitted('t-eos', 2, 'g-eos-rc'), ['one', 'two'])
  // read_uncommitted sees the aborted records too (2 aborted + 2 committed).
  const all = kafka.consumer({ groupId: 'g-eos-ru', readUncommitted: true, maxWaitTimeInMs: 100 })
  await all.connect()
  await all.subscribe({ topics: ['t-eos'], fromBeginning: true })
  const got = await consumeN(all, 4, 10000)
  await all.disconnect()
  assert.deepEqual(got.map((p) => p.message.value.toString()), ['aborted-1', 'aborted-2', 'one', 'two'])
})

test('a transactional copy with sendOffsets commits the input offsets with the output', async () => {
  await createTopic('t-in')
  await createTopic('t-out')
  const plain = kafka.producer()
  await plain.connect()
  await plain.send({ topic: 't-in', messages: ['a', 'b', 'c', 'd'].map((value) => ({ value })) })
  await plain.disconnect()

  const producer = kafka.producer({ transactionalId: 'copier', maxInFlightRequests: 1 })
  await producer.connect()
  const consumer = kafka.consumer({ groupId: 'g-copy', readUncommitted: false, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topics: ['t-in'], fromBeginning: true })
  let copied = 0
  await new Promise((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const txn = await producer.transaction()
          try {
            await txn.send({ topic: 't-out', messages: [{ value: message.value.toString().toUpperCase() }] })
            await txn.sendOffsets({ consumerGroupId: 'g-copy', topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] })
            await txn.commit()
          } catch (e) {
            await txn.abort()
            throw e
          }
          if (++copied === 4) resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  await producer.disconnect()
  assert.deepEqual(await readCommitted('t-out', 4, 'g-copy-check'), ['A', 'B', 'C', 'D'])

  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchOffsets({ groupId: 'g-copy', topics: ['t-in'] })
  await admin.disconnect()
  assert.deepEqual(offsets.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.offset])]), [['t-in', [[0, '4']]]])
})

test('transaction argument and state errors are typed', async () => {
  const plain = kafka.producer()
  await plain.connect()
  await assert.rejects(plain.transaction(), (e) => e.name === 'KafkaJSInvalidArgumentError' || e instanceof TypeError)
  await plain.disconnect()
  const producer = kafka.producer({ transactionalId: 'tx-err' })
  await assert.rejects(producer.transaction(), /not connected/)
  await producer.connect()
  const txn = await producer.transaction()
  await assert.rejects(txn.sendOffsets({ consumerGroupId: '', topics: [] }), TypeError)
  await assert.rejects(txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: -5 }] }] }), TypeError)
  await assert.rejects(txn.send({ topic: 't-eos', acks: 1, messages: [{ value: 'v' }] }), TypeError)
  await txn.abort()
  await producer.disconnect()
})

test('a second producer with the same transactionalId fences the first', async () => {
  await createTopic('t-zombie')
  const older = kafka.producer({ transactionalId: 'tx-zombie' })
  await older.connect()
  const stale = await older.transaction()
  await stale.send({ topic: 't-zombie', messages: [{ value: 'zombie' }] })
  const newer = kafka.producer({ transactionalId: 'tx-zombie' })
  await newer.connect()
  const fresh = await newer.transaction()
  await fresh.send({ topic: 't-zombie', messages: [{ value: 'fresh' }] })
  await fresh.commit()
  await assert.rejects(stale.commit(), (e) => e.fatal === true || e.txnRequiresAbort === true || e.retriable === false)
  await sleep(10)
  await older.disconnect().catch(() => {})
  await newer.disconnect()
  assert.deepEqual(await readCommitted('t-zombie', 1, 'g-zombie'), ['fresh'])
})
