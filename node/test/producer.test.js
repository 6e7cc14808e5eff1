'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { CompressionTypes, KafkaJSInvalidArgumentError, KafkaJSError } = require('..')
const { setup, murmur2, partitionFor, consumeN } = require('./helpers')

const { kafka } = setup()

test('the JS murmur2 matches Java’s known vectors', () => {
  const cases = {
    21: -973932308,
    foobar: -790332482,
    'a-little-bit-long-string': -985981536,
    'a-little-bit-longer-string': -1486304829,
    lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
    abc: 479470107,
  }
  for (const [k, v] of Object.entries(cases)) assert.equal(murmur2(Buffer.from(k)), v, k)
})

test('send resolves with RecordMetadata per partition and consecutive offsets', async () => {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'meta', numPartitions: 1 }] })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  const first = await producer.send({ topic: 'meta', messages: [{ value: 'a' }, { value: 'b' }] })
  assert.deepEqual(first, [
    { topicName: 'meta', partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '-1' },
  ])
  const second = await producer.send({ topic: 'meta', messages: [{ value: 'c' }] })
  assert.equal(second[0].baseOffset, '2')
  await producer.disconnect()
})

test('keys pick partitions as KafkaJS’s DefaultPartitioner (Java’s murmur2) does; explicit partitions win', async () => {
  const producer = kafka.producer()
  await producer.connect()
  const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`)
  const result = await producer.send({ topic: 'keyed', messages: keys.map((key) => ({ key, value: key })) })
  const consumer = kafka.consumer()
  await consumer.connect()
  await consumer.assign([{ topic: 'keyed', partitions: [0, 1, 2], fromBeginning: true }])
  const got = await consumeN(consumer, keys.length)
  for (const { partition, message } of got) {
    assert.equal(partition, partitionFor(message.key.toString(), 3), message.key.toString())
    assert.equal(message.value.toString(), message.key.toString())
  }
  assert.ok(result.length >= 2, 'keys spread over several partitions')
  const explicit = await producer.send({ topic: 'keyed', messages: [{ key: 'key-0', value: 'x', partition: 2 }] })
  assert.equal(explicit[0].partition, 2)
  await consumer.disconnect()
  await producer.disconnect()
})

test('round trip: keys, null values, headers (repeated keys as arrays), timestamps', async () => {
  const producer = kafka.producer()
  await producer.connect()
  const ts = 1_700_000_000_000
  await producer.send({
    topic: 'round',
    messages: [
      { key: 'k1', value: 'v1', partition: 0, timestamp: ts, headers: { a: '1', dup: ['x', Buffer.from('y')], n: null } },
      { key: Buffer.from([0, 1, 2]), value: null, partition: 0, timestamp: String(ts + 1) },
      { value: Buffer.alloc(0), partition: 0 },
    ],
  })
  const consumer = kafka.consumer()
  await consumer.connect()
  await consumer.assign([{ topic: 'round', partitions: [0], fromBeginning: true }])
  const [m1, m2, m3] = (await consumeN(consumer, 3)).map((p) => p.message)
  assert.equal(m1.key.toString(), 'k1')
  assert.equal(m1.value.toString(), 'v1')
  assert.equal(m1.timestamp, String(ts))
  assert.equal(m1.offset, '0')
  assert.deepEqual(Object.keys(m1.headers), ['a', 'dup', 'n'])
  assert.equal(m1.headers.a.toString(), '1')
  assert.deepEqual(m1.headers.dup.map(String), ['x', 'y'])
  assert.equal(m1.headers.n, null)
  assert.deepEqual([...m2.key], [0, 1, 2])
  assert.equal(m2.value, null)
  assert.equal(m2.timestamp, String(ts + 1))
  assert.deepEqual(m2.headers, {})
  assert.equal(m3.key, null)
  assert.equal(m3.value.length, 0)
  assert.ok(Math.abs(Number(m3.timestamp) - Date.now()) < 60_000, 'default timestamp is now')
  await consumer.disconnect()
  await producer.disconnect()
})

test('acks 0 resolves without offsets; acks 1 and -1 with them', async () => {
  const producer = kafka.producer()
  await producer.connect()
  const none = await producer.send({ topic: 'acks', acks: 0, messages: [{ value: 'a', partition: 0 }] })
  assert.equal(none[0].baseOffset, '-1')
  const one = await producer.send({ topic: 'acks', acks: 1, messages: [{ value: 'b', partition: 0 }] })
  assert.equal(one[0].baseOffset, '1')
  const all = await producer.send({ topic: 'acks', acks: -1, messages: [{ value: 'c', partition: 0 }] })
  assert.equal(all[0].baseOffset, '2')
  await producer.disconnect()
})

test('every compression codec round-trips', async () => {
  const producer = kafka.producer()
  await producer.connect()
  const codecs = Object.entries(CompressionTypes)
  for (const [name, code] of codecs) {
    await producer.send({ topic: 'compressed', compression: code, messages: [{ value: `${name} `.repeat(100), partition: 0 }] })
  }
  const consumer = kafka.consumer()
  await consumer.connect()
  await consumer.assign([{ topic: 'compressed', partitions: [0], fromBeginning: true }])
  const got = await consumeN(consumer, codecs.length)
  assert.deepEqual(got.map((p) => p.message.value.toString()), codecs.map(([name]) => `${name} `.repeat(100)))
  await consumer.disconnect()
  await producer.disconnect()
})

test('sendBatch writes several topics and returns metadata for each', async () => {
  const producer = kafka.producer({ config: { 'linger.ms': 0 } })
  await producer.connect()
  const md = await producer.sendBatch({
    topicMessages: [
      { topic: 'batch-a', messages: [{ value: '1', partition: 1 }] },
      { topic: 'batch-b', messages: [{ value: '2', partition: 0 }, { value: '3', partition: 0 }] },
    ],
  })
  assert.deepEqual(md.map((m) => [m.topicName, m.partition, m.baseOffset]), [['batch-a', 1, '0'], ['batch-b', 0, '0']])
  await producer.disconnect()
})

test('bad arguments are TypeErrors naming the field', async () => {
  const producer = kafka.producer()
  await producer.connect()
  const cases = [
    [{ topic: '', messages: [] }, 'topic'],
    [{ topic: 't', messages: 'x' }, 'messages'],
    [{ topic: 't', messages: [{ key: 'k' }] }, 'messages[0].value'],
    [{ topic: 't', messages: [{ value: 1 }] }, 'messages[0].value'],
    [{ topic: 't', messages: [{ value: 'v', partition: -1 }] }, 'messages[0].partition'],
    [{ topic: 't', messages: [{ value: 'v', headers: { h: 5 } }] }, 'messages[0].headers.h'],
    [{ topic: 't', messages: [{ value: 'v' }], acks: 2 }, 'acks'],
    [{ topic: 't', messages: [{ value: 'v' }], compression: 9 }, 'compression'],
  ]
  for (const [req, field] of cases) {
    await assert.rejects(producer.send(req), (e) => {
      assert.ok(e instanceof TypeError && e instanceof KafkaJSInvalidArgumentError, e.stack)
      assert.equal(e.field, field)
      assert.equal(e.code, 'INVALID_ARG')
      assert.equal(e.retriable, false)
      return true
    })
  }
  await producer.disconnect()
})

test('configuration errors name the Kafka property; KafkaJS options map to properties', async () => {
  const typo = kafka.producer({ config: { 'lingr.ms': 5 } })
  await assert.rejects(typo.connect(), (e) => e instanceof KafkaJSInvalidArgumentError && e.field === 'lingr.ms' && e.code === 'INVALID_CONFIG_LOCAL' && e.errorCode === -100)
  // idempotent (enable.idempotence) with acks 1 is a conflict Kafka rejects, naming acks.
  const idem = kafka.producer({ idempotent: true })
  await idem.connect()
  await assert.rejects(idem.send({ topic: 't', acks: 1, messages: [{ value: 'v' }] }), (e) => e.field === 'acks')
  await idem.disconnect()
  assert.throws(() => kafka.producer({ idempotnet: true }), (e) => e instanceof TypeError && e.field === 'producer.idempotnet')
  assert.throws(() => kafka.producer({ transactionTimeout: 'soon' }), (e) => e.field === 'producer.transactionTimeout')
  assert.throws(() => kafka.producer({ createPartitioner: () => () => 0 }), (e) => e.field === 'producer.createPartitioner')
  const noAuto = kafka.producer({ allowAutoTopicCreation: false, config: { 'delivery.timeout.ms': 1500, 'request.timeout.ms': 500 } })
  await noAuto.connect()
  await assert.rejects(noAuto.send({ topic: 'never-created', messages: [{ value: 'v' }], timeout: 5000 }), (e) => {
    assert.ok(e instanceof KafkaJSError, e.stack)
    assert.equal(typeof e.code, 'string')
    assert.equal(typeof e.retriable, 'boolean')
    return true
  })
  await noAuto.disconnect()
})

test('send before connect and after disconnect reject with a state code', async () => {
  const producer = kafka.producer()
  await assert.rejects(producer.send({ topic: 't', messages: [{ value: 'v' }] }), (e) => e.code === 'STATE' && e.retriable === false)
  await producer.connect()
  await producer.disconnect()
  await assert.rejects(producer.send({ topic: 't', messages: [{ value: 'v' }] }), (e) => e.code === 'STATE')
})

test('producer events fire on connect and disconnect', async () => {
  const producer = kafka.producer()
  const seen = []
  const off = producer.on(producer.events.CONNECT, (e) => seen.push(e.type))
  producer.on(producer.events.DISCONNECT, (e) => seen.push(e.type))
  await producer.connect()
  await producer.disconnect()
  off()
  assert.deepEqual(seen, ['producer.connect', 'producer.disconnect'])
  assert.equal(producer.isIdempotent(), true)
  assert.equal(kafka.producer({ idempotent: false }).isIdempotent(), false)
})
