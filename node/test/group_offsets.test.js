'use strict'
// KafkaJS's offset handling in a group: only resolved offsets are committed (eachMessage
// resolves after the handler, eachBatch by resolveOffset / eachBatchAutoResolve),
// uncommittedOffsets, commitOffsetsIfNecessary, heartbeat() keeping a slow member in the
// group, and admin.fetchOffsets({ resolveOffsets }).
const test = require('node:test')
const assert = require('node:assert/strict')
const { setup, sleep } = require('./helpers')

const { kafka } = setup({ 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500 })

async function produce(topic, n) {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [...Array(n).keys()].map((i) => ({ value: `v${i}` })) })
  await producer.disconnect()
}

async function withAdmin(f) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await f(admin)
  } finally {
    await admin.disconnect()
  }
}

const committedOf = (groupId, topic) => withAdmin(async (admin) => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map((p) => p.offset))

const until = async (what, cond, ms = 15000) => {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

test('eachMessage: a crash commits only the messages processed before it, not what was fetched', async () => {
  await produce('o-crash', 10)
  const consumer = kafka.consumer({ groupId: 'g-o-crash', maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic: 'o-crash', fromBeginning: true })
  const crashed = new Promise((resolve) => consumer.on(consumer.events.CRASH, resolve))
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.offset === '3') throw new Error('boom')
    },
  })
  await crashed
  // The core fetched all ten; offsets 0..2 were processed, so 3 is where the group goes on.
  assert.deepEqual(consumer.uncommittedOffsets(), { topics: [{ topic: 'o-crash', partitions: [{ partition: 0, offset: '3' }] }] })
  await consumer.disconnect()
  assert.deepEqual(await committedOf('g-o-crash', 'o-crash'), ['3'])
})

test('eachBatch: resolveOffset, uncommittedOffsets and commitOffsetsIfNecessary; unresolved messages come again', async () => {
  await produce('o-batch', 10)
  const consumer = kafka.consumer({ groupId: 'g-o-batch', maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic: 'o-batch', fromBeginning: true })
  const firsts = []
  const seen = {}
  const done = new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (e) => (firsts.length >= 2 ? resolve() : reject(e.payload.error)))
    consumer
      .run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, uncommittedOffsets, commitOffsetsIfNecessary, heartbeat, isRunning }) => {
          firsts.push(batch.firstOffset())
          assert.equal(isRunning(), true)
          if (firsts.length === 1) {
            assert.equal(batch.messages.length, 10)
            for (const m of batch.messages.slice(0, 5)) resolveOffset(m.offset)
            seen.resolved = uncommittedOffsets()
            await heartbeat()
            await commitOffsetsIfNecessary() // autoCommit without an interval: commits now
            seen.afterCommit = uncommittedOffsets()
            seen.committed = await consumer.committed()
            return // 5..9 unresolved: fetched again
          }
          // Second batch starts at 5: resolve 5..7, then fail; 8 is where a restart goes on.
          for (const m of batch.messages.slice(0, 3)) resolveOffset(m.offset)
          await commitOffsetsIfNecessary({ topics: [{ topic: 'o-batch', partitions: [{ partition: 0, offset: '7' }] }] })
          seen.explicit = await consumer.committed()
          throw new Error('stop here')
        },
      })
      .catch(reject)
  })
  await done
  assert.deepEqual(seen.resolved, { topics: [{ topic: 'o-batch', partitions: [{ partition: 0, offset: '5' }] }] })
  assert.deepEqual(seen.afterCommit, { topics: [] })
  assert.equal(seen.committed[0].offset, '5')
  assert.deepEqual(firsts, ['0', '5'])
  assert.equal(seen.explicit[0].offset, '7')
  // Resolved 8 is not committed yet: disconnect's commit takes it.
  assert.deepEqual(consumer.uncommittedOffsets(), { topics: [{ topic: 'o-batch', partitions: [{ partition: 0, offset: '8' }] }] })
  await consumer.disconnect()
  assert.deepEqual(await committedOf('g-o-batch', 'o-batch'), ['8'])
})

test('eachBatchAutoResolve resolves the whole batch after eachBatch returns', async () => {
  await produce('o-auto', 6)
  const consumer = kafka.consumer({ groupId: 'g-o-auto', maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic: 'o-auto', fromBeginning: true })
  let n = 0
  await consumer.run({ eachBatch: async ({ batch }) => { n += batch.messages.length } })
  await until('six messages', () => n === 6)
  await until('the batch resolved', () => consumer.uncommittedOffsets().topics.length === 1 || n === 6)
  await consumer.disconnect()
  assert.deepEqual(await committedOf('g-o-auto', 'o-auto'), ['6'])
})

test('heartbeat() keeps a slow eachMessage in the group; without it the session expires', async () => {
  await produce('o-slow', 1)
  const consumer = kafka.consumer({ groupId: 'g-o-slow', maxWaitTimeInMs: 100, sessionTimeout: 1000, heartbeatInterval: 100 })
  const joins = []
  consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e.payload.generationId))
  await consumer.connect()
  await consumer.subscribe({ topic: 'o-slow', fromBeginning: true })
  const done = []
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, heartbeat }) => {
      // 2.5 s of work: more than twice the session timeout.
      for (let i = 0; i < 10; i++) {
        await sleep(250)
        if (message.offset === '0') await heartbeat()
      }
      done.push(message.offset)
    },
  })
  await until('the first message', () => done.length >= 1)
  await sleep(1000) // polls go on: an expired member would be told now and join again
  // With heartbeats the member kept its generation through 2.5 s of processing.
  assert.equal(joins.length, 1)
  await produce('o-slow', 1)
  await until('the second message', () => done.length >= 2, 20000)
  // Without them the coordinator expired the member: it joined again in a new generation.
  await until('a rejoin', () => joins.length >= 2)
  assert.ok(joins[1] > joins[0])
  await consumer.disconnect()
})

test('fetchOffsets with resolveOffsets commits the high watermark where nothing is committed', async () => {
  await produce('o-resolve', 4)
  await withAdmin(async (admin) => {
    assert.deepEqual((await admin.fetchOffsets({ groupId: 'g-o-resolve', topics: ['o-resolve'] }))[0].partitions.map((p) => p.offset), ['-1'])
    const resolved = await admin.fetchOffsets({ groupId: 'g-o-resolve', topics: ['o-resolve'], resolveOffsets: true })
    assert.deepEqual(resolved, [{ topic: 'o-resolve', partitions: [{ partition: 0, offset: '4', metadata: null }] }])
    assert.deepEqual((await admin.fetchOffsets({ groupId: 'g-o-resolve', topics: ['o-resolve'] }))[0].partitions.map((p) => p.offset), ['4'])
    await assert.rejects(admin.fetchOffsets({ groupId: 'g-o-resolve', resolveOffsets: 'yes' }), TypeError)
  })
})
