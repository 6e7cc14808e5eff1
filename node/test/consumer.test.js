'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { KafkaJSInvalidArgumentError } = require('..')
const { setup, consumeN, sleep } = require('./helpers')

const { kafka } = setup()

async function produce(topic, values, partition = 0) {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: values.map((value) => ({ value, partition })) })
  await producer.disconnect()
}

async function connected(opts) {
  const consumer = kafka.consumer(opts)
  await consumer.connect()
  return consumer
}

test('assign from the beginning, eachMessage in order, assignment()', async () => {
  await produce('c-order', ['a', 'b', 'c'])
  const consumer = await connected({ groupId: 'g' })
  await consumer.assign([{ topic: 'c-order', partitions: [0, 1], fromBeginning: true }])
  assert.deepEqual(consumer.assignment(), [{ topic: 'c-order', partitions: [0, 1] }])
  const got = await consumeN(consumer, 3)
  assert.deepEqual(got.map((p) => [p.topic, p.partition, p.message.offset, p.message.value.toString()]), [
    ['c-order', 0, '0', 'a'],
    ['c-order', 0, '1', 'b'],
    ['c-order', 0, '2', 'c'],
  ])
  await consumer.disconnect()
})

test('fromBeginning false starts at the end; auto.offset.reset through config', async () => {
  await produce('c-end', ['old'])
  const latest = await connected()
  await latest.assign([{ topic: 'c-end', partitions: [0], fromBeginning: false }])
  const earliest = await connected({ config: { 'auto.offset.reset': 'earliest' } })
  await earliest.assign([{ topic: 'c-end', partitions: [0] }])
  await sleep(100)
  await produce('c-end', ['new'])
  assert.deepEqual((await consumeN(latest, 1)).map((p) => p.message.value.toString()), ['new'])
  assert.deepEqual((await consumeN(earliest, 2)).map((p) => p.message.value.toString()), ['old', 'new'])
  await latest.disconnect()
  await earliest.disconnect()
})

test('eachBatch gets KafkaJS batches with high watermark and lag', async () => {
  await produce('c-batch', ['1', '2', '3', '4'])
  const consumer = await connected()
  await consumer.assign([{ topic: 'c-batch', partitions: [0], fromBeginning: true }])
  const batches = []
  let total = 0
  await new Promise((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch, isRunning, isStale, heartbeat, resolveOffset }) => {
          assert.equal(isRunning(), true)
          assert.equal(isStale(), false)
          await heartbeat()
          resolveOffset(batch.lastOffset())
          batches.push(batch)
          total += batch.messages.length
          if (total === 4) resolve()
        },
      })
      .catch(reject)
  })
  await consumer.stop()
  const b = batches[0]
  assert.equal(b.topic, 'c-batch')
  assert.equal(b.partition, 0)
  assert.equal(b.highWatermark, '4')
  assert.equal(b.firstOffset(), '0')
  assert.equal(b.isEmpty(), false)
  assert.equal(batches.at(-1).lastOffset(), '3')
  assert.equal(batches.at(-1).offsetLag(), '0')
  await consumer.disconnect()
})

test('seek during run re-reads from the offset; seek before run starts there', async () => {
  await produce('c-seek', ['0', '1', '2', '3'])
  const consumer = await connected()
  await consumer.assign([{ topic: 'c-seek', partitions: [0], fromBeginning: true }])
  consumer.seek({ topic: 'c-seek', partition: 0, offset: '2' })
  const seen = []
  let sought = false
  await new Promise((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.push(message.offset)
          if (message.offset === '3' && !sought) {
            sought = true
            consumer.seek({ topic: 'c-seek', partition: 0, offset: 1 })
          } else if (sought && message.offset === '3') resolve()
        },
      })
      .catch(reject)
  })
  await consumer.stop()
  assert.deepEqual(seen, ['2', '3', '1', '2', '3'])
  assert.throws(() => consumer.seek({ topic: 'c-seek', partition: 7, offset: 0 }), (e) => e.code === 'UNKNOWN_PARTITION_LOCAL')
  assert.throws(() => consumer.seek({ topic: 'c-seek', partition: 0, offset: 'x' }), (e) => e instanceof KafkaJSInvalidArgumentError && e.field === 'offset')
  await consumer.disconnect()
})

test('stop ends the loop; a second run continues after the last processed message', async () => {
  await produce('c-stop', ['a', 'b', 'c', 'd'])
  const consumer = await connected()
  const events = []
  consumer.on(consumer.events.STOP, (e) => events.push(e.type))
  await consumer.assign([{ topic: 'c-stop', partitions: [0], fromBeginning: true }])
  const seen = []
  await new Promise((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.push(message.value.toString())
          if (seen.length === 2) {
            consumer.stop().then(resolve, reject)
          }
        },
      })
      .catch(reject)
  })
  assert.deepEqual(seen, ['a', 'b'])
  assert.deepEqual(events, ['consumer.stop'])
  const rest = await consumeN(consumer, 2)
  assert.deepEqual(rest.map((p) => p.message.value.toString()), ['c', 'd'])
  await consumer.disconnect()
})

test('a handler that throws crashes the loop and its message is consumed again', async () => {
  await produce('c-crash', ['ok', 'boom', 'after'])
  const consumer = await connected()
  await consumer.assign([{ topic: 'c-crash', partitions: [0], fromBeginning: true }])
  const crashed = new Promise((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error)))
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value.toString() === 'boom') throw new Error('handler failed')
    },
  })
  assert.equal((await crashed).message, 'handler failed')
  const again = await consumeN(consumer, 2)
  assert.deepEqual(again.map((p) => p.message.value.toString()), ['boom', 'after'])
  await consumer.disconnect()
})

test('pause and resume a partition', async () => {
  await produce('c-pause', ['p0'], 0)
  await produce('c-pause', ['p1'], 1)
  const consumer = await connected()
  await consumer.assign([{ topic: 'c-pause', partitions: [0, 1], fromBeginning: true }])
  consumer.pause([{ topic: 'c-pause', partitions: [1] }])
  assert.deepEqual(consumer.paused(), [{ topic: 'c-pause', partitions: [1] }])
  const first = await consumeN(consumer, 1)
  assert.deepEqual(first.map((p) => p.partition), [0])
  consumer.resume([{ topic: 'c-pause' }])
  assert.deepEqual(consumer.paused(), [])
  const second = await consumeN(consumer, 1)
  assert.deepEqual(second.map((p) => p.partition), [1])
  await consumer.disconnect()
})

test('subscribe assigns every partition of the topics (no groups yet)', async () => {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'c-sub', numPartitions: 4 }] })
  await admin.disconnect()
  for (const p of [0, 1, 2, 3]) await produce('c-sub', [`m${p}`], p)
  const consumer = await connected()
  await consumer.subscribe({ topics: [/^c-sub$/], fromBeginning: true })
  assert.deepEqual(consumer.assignment(), [{ topic: 'c-sub', partitions: [0, 1, 2, 3] }])
  const got = await consumeN(consumer, 4)
  assert.deepEqual(got.map((p) => p.message.value.toString()).sort(), ['m0', 'm1', 'm2', 'm3'])
  await consumer.disconnect()
})

test('the event loop keeps ticking during a long poll, and a send lands at once', async () => {
  const consumer = await connected({ maxWaitTimeInMs: 3000 })
  await consumer.assign([{ topic: 'c-idle', partitions: [0], fromBeginning: true }])
  // Several idle consumers, each in a long poll, must not starve libuv's pool (the producer's sends).
  const idle = []
  for (let i = 0; i < 6; i++) {
    const c = await connected({ maxWaitTimeInMs: 3000 })
    await c.assign([{ topic: 'c-idle-other', partitions: [0] }])
    await c.run({ eachMessage: async () => {} })
    idle.push(c)
  }
  let ticks = 0
  const interval = setInterval(() => ticks++, 10)
  try {
    let receivedAt = 0
    await consumer.run({ eachMessage: async () => { receivedAt = Date.now() } })
    await sleep(500)
    assert.ok(ticks >= 25, `only ${ticks} ticks in 500 ms`)
    const sentAt = Date.now()
    await produce('c-idle', ['now'])
    for (let i = 0; i < 100 && !receivedAt; i++) await sleep(10)
    assert.ok(receivedAt > 0, 'message received')
    assert.ok(receivedAt - sentAt < 1000, `took ${receivedAt - sentAt} ms`)
  } finally {
    clearInterval(interval)
    const stopStart = Date.now()
    await Promise.all([consumer.disconnect(), ...idle.map((c) => c.disconnect())])
    assert.ok(Date.now() - stopStart < 1000, 'stop wakes the polls in progress')
  }
})

test('consumer errors: run before connect, unknown options, bad assignments, after disconnect', async () => {
  const consumer = kafka.consumer()
  await assert.rejects(consumer.run({ eachMessage: async () => {} }), (e) => e.code === 'STATE')
  assert.throws(() => kafka.consumer({ groupid: 'g' }), (e) => e instanceof TypeError && e.field === 'consumer.groupid')
  await consumer.connect()
  await assert.rejects(consumer.assign([{ topic: 't', partitions: [-1] }]), (e) => e.field === 'assign[0].partitions[0]')
  await assert.rejects(consumer.assign([{ topic: 't', partitions: [0] }, { topic: '', partitions: [0] }]), (e) => e.field === 'assign[1].topic')
  await assert.rejects(consumer.run({}), (e) => e instanceof TypeError)
  await consumer.disconnect()
  await assert.rejects(consumer.assign([{ topic: 't', partitions: [0] }]), (e) => e.code === 'STATE')
  const bad = kafka.consumer({ config: { 'auto.offset.reset': 'sometimes' } })
  await assert.rejects(bad.connect(), (e) => e.field === 'auto.offset.reset' && e.errorCode === -100)
})
