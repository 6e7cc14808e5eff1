'use strict'
// Our consumer group and transactional producer over TCP (a Cluster listening on 127.0.0.1, every
// client connecting by host:port): a copy in transactions with sendOffsets, one aborted, read back
// with read_committed; the group's offsets at the end. The same against Apache Kafka 4.1.1 and
// `kafkette serve`: tests/compat/test_ours_node_eos.py.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, Cluster } = require('..')
const { sleep } = require('./helpers')

test('over TCP: a group copies in transactions (one aborted), read_committed sees each record once', async () => {
  const cluster = new Cluster({ 'num.partitions': 2, 'group.initial.rebalance.delay.ms': 0 }, { listen: true })
  assert.match(cluster.bootstrapServers, /^127\.0\.0\.1:\d+$/)
  const kafka = new Kafka({ clientId: 'tcp', brokers: [cluster.bootstrapServers] })
  const admin = kafka.admin()
  const producer = kafka.producer({ transactionalId: 'tcp-copier', maxInFlightRequests: 1 })
  const consumer = kafka.consumer({ groupId: 'tcp-copy', readUncommitted: false, maxWaitTimeInMs: 100 })
  const reader = kafka.consumer({ groupId: 'tcp-read', readUncommitted: false, maxWaitTimeInMs: 100 })
  try {
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'tcp-in' }, { topic: 'tcp-out' }] })
    const plain = kafka.producer()
    await plain.connect()
    await plain.send({ topic: 'tcp-in', messages: [...Array(20).keys()].map((i) => ({ key: `k${i}`, value: `v${i}` })) })
    await plain.disconnect()

    await producer.connect()
    await consumer.connect()
    await consumer.subscribe({ topics: ['tcp-in'], fromBeginning: true })
    let copied = 0
    let aborted = false
    await new Promise((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error))
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message, heartbeat }) => {
            const txn = await producer.transaction()
            await txn.send({ topic: 'tcp-out', messages: [{ key: message.key, value: message.value }] })
            await heartbeat()
            if (!aborted) {
              // The first transaction is aborted; the message is copied again by a new one.
              aborted = true
              await txn.send({ topic: 'tcp-out', messages: [{ value: 'never' }] })
              await txn.abort()
              consumer.seek({ topic, partition, offset: message.offset })
              return
            }
            await txn.sendOffsets({ consumerGroupId: 'tcp-copy', topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] })
            await txn.commit()
            if (++copied === 20) resolve()
          },
        })
        .catch(reject)
    })
    await consumer.disconnect()

    await reader.connect()
    await reader.subscribe({ topic: 'tcp-out', fromBeginning: true })
    const out = []
    await reader.run({ eachMessage: async ({ message }) => { out.push(message.value.toString()) } })
    const end = Date.now() + 15000
    while (out.length < 20 && Date.now() < end) await sleep(20)
    await sleep(300)
    await reader.disconnect()
    assert.deepEqual(out.slice().sort(), [...Array(20).keys()].map((i) => `v${i}`).sort())

    const high = await admin.fetchTopicOffsets('tcp-in')
    const committed = await admin.fetchOffsets({ groupId: 'tcp-copy', topics: ['tcp-in'] })
    assert.deepEqual(committed[0].partitions.map((p) => p.offset), high.map((h) => h.high))
    const described = await admin.describeGroups(['tcp-copy'])
    assert.equal(described.groups[0].state, 'Empty')
  } finally {
    await producer.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
    cluster.close()
  }
})
