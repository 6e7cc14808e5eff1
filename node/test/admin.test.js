'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { KafkaJSAggregateError, KafkaJSProtocolError, KafkaJSError } = require('..')
const { setup } = require('./helpers')

const { kafka } = setup()

test('create, list, fetch offsets, delete', async () => {
  const admin = kafka.admin()
  await admin.connect()
  assert.equal(await admin.createTopics({ topics: [{ topic: 'a1', numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }] }), true)
  assert.equal(await admin.createTopics({ topics: [{ topic: 'a-validate' }], validateOnly: true }), true)
  assert.ok((await admin.listTopics()).includes('a1'))
  assert.ok(!(await admin.listTopics()).includes('a-validate'), 'validateOnly creates nothing')
  assert.deepEqual(await admin.fetchTopicOffsets('a1'), [
    { partition: 0, offset: '0', high: '0', low: '0' },
    { partition: 1, offset: '0', high: '0', low: '0' },
  ])
  const producer = kafka.producer()
  await producer.connect()
  const t0 = Date.now() - 10_000
  await producer.send({ topic: 'a1', messages: [0, 1, 2].map((i) => ({ value: `${i}`, partition: 1, timestamp: t0 + i * 1000 })) })
  await producer.disconnect()
  assert.deepEqual((await admin.fetchTopicOffsets('a1'))[1], { partition: 1, offset: '3', high: '3', low: '0' })
  assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp('a1', t0 + 1500), [{ partition: 0, offset: '0' }, { partition: 1, offset: '2' }])
  assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp('a1', t0 + 60_000), [{ partition: 0, offset: '0' }, { partition: 1, offset: '3' }])
  await admin.deleteTopics({ topics: ['a1'] })
  assert.ok(!(await admin.listTopics()).includes('a1'))
  await admin.disconnect()
})

test('an existing topic resolves false (KafkaJS); mixed failures reject with each topic’s code', async () => {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'a2' }] })
  assert.equal(await admin.createTopics({ topics: [{ topic: 'a2' }] }), false)
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'a2' }, { topic: 'a-bad', numPartitions: 0 }] }), (e) => {
    assert.ok(e instanceof KafkaJSAggregateError)
    const byTopic = Object.fromEntries(e.errors.map((x) => [x.topic, x]))
    assert.equal(byTopic.a2.code, 'TOPIC_ALREADY_EXISTS')
    assert.equal(byTopic.a2.errorCode, 36)
    assert.equal(byTopic.a2.retriable, false)
    assert.ok(byTopic.a2 instanceof KafkaJSProtocolError)
    assert.equal(byTopic['a-bad'].code, 'INVALID_PARTITIONS')
    assert.equal(byTopic['a-bad'].errorCode, 37)
    return true
  })
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad name!' }] }), (e) => e.errors[0].code === 'INVALID_TOPIC_EXCEPTION')
  await admin.disconnect()
})

test('deleting or reading a missing topic rejects with UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const admin = kafka.admin()
  await admin.connect()
  await assert.rejects(admin.deleteTopics({ topics: ['missing'] }), (e) => {
    assert.ok(e instanceof KafkaJSError)
    assert.equal(e.code, 'UNKNOWN_TOPIC_OR_PARTITION')
    assert.equal(e.errorCode, 3)
    assert.equal(e.topic, 'missing')
    assert.equal(typeof e.fatal, 'boolean')
    return true
  })
  await assert.rejects(admin.fetchTopicOffsets('missing'), (e) => e.code === 'UNKNOWN_TOPIC_OR_PARTITION')
  await assert.rejects(admin.fetchTopicOffsetsByTimestamp('missing', 0), (e) => e.code === 'UNKNOWN_TOPIC_OR_PARTITION')
  await admin.disconnect()
})

test('admin argument and state errors', async () => {
  const admin = kafka.admin()
  await assert.rejects(admin.listTopics(), (e) => e.code === 'STATE')
  await admin.connect()
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'x', numPartitions: 'two' }] }), (e) => e instanceof TypeError && e.field === 'topics[0].numPartitions')
  await assert.rejects(admin.createTopics({}), (e) => e.field === 'topics')
  await assert.rejects(admin.deleteTopics({ topics: [1] }), (e) => e.field === 'topics[0]')
  await assert.rejects(admin.fetchTopicOffsets(''), (e) => e.field === 'topic')
  await admin.disconnect()
  assert.throws(() => kafka.admin({ config: { 'linger.ms': 1 }, retry: { retries: -1 } }), (e) => e.field === 'admin.retry.retries')
  const typo = kafka.admin({ config: { 'linger.ms': 1 } })
  await assert.rejects(typo.connect(), (e) => e.field === 'linger.ms')
})
