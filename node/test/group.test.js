'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { setup, sleep } = require('./helpers')

const { kafka } = setup({ 'num.partitions': 4, 'group.initial.rebalance.delay.ms': 0 })

async function produce(topic, n, prefix) {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [...Array(n).keys()].map((i) => ({ key: `${prefix}${i}`, value: `${prefix}${i}` })) })
  await producer.disconnect()
}

async function createTopic(topic, numPartitions) {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions }] })
  await admin.disconnect()
}

const until = async (what, cond, ms = 15000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** listGroups names the group (with its protocol type) exactly when `present`. */
async function assertListed(admin, groupId, present) {
  const listed = await admin.listGroups()
  assert.equal(listed.groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'), present)
}

test('two consumers in a group share the partitions, with GROUP_JOIN events, and the survivor takes all on disconnect', async () => {
  await createTopic('g-share', 4)
  await produce('g-share', 40, 'a')
  const seen = new Map()
  const joins = { c1: [], c2: [] }
  const rebalances = { c1: 0, c2: 0 }
  const consumers = {}
  for (const name of ['c1', 'c2']) {
    const c = kafka.consumer({ groupId: 'g-share', maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 500 })
    c.on(c.events.GROUP_JOIN, (e) => joins[name].push(e.payload))
    c.on(c.events.REBALANCING, () => rebalances[name]++)
    await c.connect()
    await c.subscribe({ topics: ['g-share'], fromBeginning: true })
    consumers[name] = c
  }
  for (const name of ['c1', 'c2']) {
    await consumers[name].run({
      eachMessage: async ({ partition, message }) => {
        seen.set(message.value.toString(), { name, partition })
      },
    })
  }
  await until('both members to own partitions', () => {
    const a = joins.c1.at(-1)
    const b = joins.c2.at(-1)
    return a && b && a.generationId === b.generationId && (a.memberAssignment['g-share'] || []).length === 2 && (b.memberAssignment['g-share'] || []).length === 2
  })
  const a = joins.c1.at(-1)
  const b = joins.c2.at(-1)
  assert.equal(a.groupId, 'g-share')
  assert.ok(a.isLeader !== b.isLeader, 'exactly one leader')
  assert.notEqual(a.memberId, b.memberId)
  const owned = [...a.memberAssignment['g-share'], ...b.memberAssignment['g-share']].sort()
  assert.deepEqual(owned, [0, 1, 2, 3])
  assert.ok(rebalances.c1 >= 1)
  assert.deepEqual(consumers.c1.assignment(), [{ topic: 'g-share', partitions: a.memberAssignment['g-share'] }])

  await until('all 40 records', () => seen.size === 40)

  // c1 leaves the group (LeaveGroup): c2 gets every partition and the new records.
  await consumers.c1.disconnect()
  await until('c2 to own all partitions', () => (joins.c2.at(-1).memberAssignment['g-share'] || []).length === 4)
  await produce('g-share', 20, 'b')
  await until('the 20 new records at c2', () => [...seen.keys()].filter((k) => k.startsWith('b')).length === 20)
  assert.ok([...seen].filter(([k]) => k.startsWith('b')).every(([, v]) => v.name === 'c2'))
  await consumers.c2.disconnect()

  const admin = kafka.admin()
  await admin.connect()
  await assertListed(admin, 'g-share', true)
  const described = await admin.describeGroups(['g-share'])
  assert.equal(described.groups[0].state, 'Empty')
  assert.deepEqual(described.groups[0].members, [])
  // Auto-commit committed every record's position on leaving.
  const offsets = await admin.fetchOffsets({ groupId: 'g-share', topics: ['g-share'] })
  const committed = offsets[0].partitions.reduce((n, p) => n + Number(p.offset), 0)
  assert.equal(committed, 60)
  await admin.disconnect()
})

test('commitOffsets, fetchOffsets, setOffsets, resetOffsets and deleteGroups', async () => {
  await createTopic('g-commit', 2)
  await produce('g-commit', 10, 'c')
  const consumer = kafka.consumer({ groupId: 'g-commit', maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic: 'g-commit', fromBeginning: true })
  let n = 0
  let described = null
  const admin = kafka.admin()
  await admin.connect()
  await new Promise((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }])
          if (++n === 10) {
            described = await admin.describeGroups(['g-commit'])
            resolve()
          }
        },
      })
      .catch(reject)
  })
  assert.equal(described.groups[0].state, 'Stable')
  assert.equal(described.groups[0].members.length, 1)
  assert.deepEqual(described.groups[0].members[0].assignment, [{ topic: 'g-commit', partitions: [0, 1] }])
  const committed = await consumer.committed()
  assert.equal(committed.reduce((s, c) => s + Number(c.offset), 0), 10)
  await assert.rejects(consumer.commitOffsets([{ topic: 'g-commit', partition: -1, offset: '1' }]), TypeError)
  await consumer.disconnect()

  const high = await admin.fetchTopicOffsets('g-commit')
  const fetched = await admin.fetchOffsets({ groupId: 'g-commit', topics: ['g-commit'] })
  assert.deepEqual(fetched[0].partitions.map((p) => p.offset), high.map((h) => h.high))

  await admin.setOffsets({ groupId: 'g-commit', topic: 'g-commit', partitions: [{ partition: 0, offset: '1' }] })
  let after = await admin.fetchOffsets({ groupId: 'g-commit', topics: ['g-commit'] })
  assert.equal(after[0].partitions[0].offset, '1')
  await admin.resetOffsets({ groupId: 'g-commit', topic: 'g-commit', earliest: true })
  after = await admin.fetchOffsets({ groupId: 'g-commit', topics: ['g-commit'] })
  assert.deepEqual(after[0].partitions.map((p) => p.offset), ['0', '0'])
  const unknown = await admin.fetchOffsets({ groupId: 'g-nobody', topics: ['g-commit'] })
  assert.deepEqual(unknown[0].partitions.map((p) => p.offset), ['-1', '-1'])

  assert.deepEqual(await admin.deleteGroups(['g-commit']), [{ groupId: 'g-commit', errorCode: 0 }])
  await assertListed(admin, 'g-commit', false)
  await assert.rejects(admin.deleteGroups(['g-never-existed']), (e) => e.code === 'GROUP_ID_NOT_FOUND')
  await assert.rejects(admin.fetchOffsets({ groupId: '' }), TypeError)
  await admin.disconnect()
})

test('subscribe with a RegExp joins for matching topics; seek and pause in a group', async () => {
  await createTopic('g-re-1', 1)
  await createTopic('g-re-2', 1)
  await produce('g-re-1', 3, 'x')
  await produce('g-re-2', 3, 'y')
  const consumer = kafka.consumer({ groupId: 'g-re', maxWaitTimeInMs: 100 })
  await consumer.connect()
  await assert.rejects(consumer.subscribe({ topics: [42] }), TypeError)
  await consumer.subscribe({ topics: [/^g-re-\d$/], fromBeginning: true })
  const got = []
  let sought = false
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      got.push(message.value.toString())
      if (topic === 'g-re-1' && message.offset === '2' && !sought) {
        sought = true
        consumer.seek({ topic: 'g-re-1', partition: 0, offset: '1' })
      }
    },
  })
  await until('6 + 2 re-read records', () => got.length === 8)
  assert.deepEqual(got.filter((v) => v.startsWith('x')), ['x0', 'x1', 'x2', 'x1', 'x2'])
  assert.deepEqual(got.filter((v) => v.startsWith('y')), ['y0', 'y1', 'y2'])
  assert.deepEqual(consumer.assignment(), [{ topic: 'g-re-1', partitions: [0] }, { topic: 'g-re-2', partitions: [0] }])
  consumer.pause([{ topic: 'g-re-2' }])
  assert.deepEqual(consumer.paused(), [{ topic: 'g-re-2', partitions: [0] }])
  await sleep(50)
  await produce('g-re-2', 1, 'z')
  await produce('g-re-1', 1, 'w')
  await until('the record of the unpaused topic', () => got.includes('w0'))
  assert.ok(!got.includes('z0'))
  consumer.resume([{ topic: 'g-re-2' }])
  await until('the paused record after resume', () => got.includes('z0'))
  await consumer.disconnect()
})

test('partitionAssigners choose the group protocol; custom assigners are refused', async () => {
  const { PartitionAssigners } = require('..')
  assert.throws(() => kafka.consumer({ groupId: 'g-x', partitionAssigners: [() => ({})] }), TypeError)
  assert.throws(() => kafka.consumer({ groupId: 'g-x', partitionAssigners: [] }), TypeError)
  await createTopic('g-rr', 2)
  const consumer = kafka.consumer({ groupId: 'g-rr', maxWaitTimeInMs: 100, partitionAssigners: [PartitionAssigners.roundRobin] })
  const joins = []
  consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e.payload))
  await consumer.connect()
  await consumer.subscribe({ topics: ['g-rr'] })
  await consumer.run({ eachMessage: async () => {} })
  await until('GROUP_JOIN', () => joins.length > 0)
  assert.equal(joins[0].groupProtocol, 'roundrobin')
  assert.deepEqual(joins[0].memberAssignment, { 'g-rr': [0, 1] })
  await consumer.disconnect()
})

test('a handler that throws crashes the run with the group named; the message is consumed again after a restart', async () => {
  await createTopic('g-crash', 1)
  await produce('g-crash', 1, 'boom')
  const consumer = kafka.consumer({ groupId: 'g-crash', maxWaitTimeInMs: 100 })
  const crashes = []
  consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload))
  await consumer.connect()
  await consumer.subscribe({ topics: ['g-crash'], fromBeginning: true })
  await consumer.run({ eachMessage: async () => { throw new Error('handler failed') } })
  await until('CRASH', () => crashes.length === 1)
  assert.equal(crashes[0].groupId, 'g-crash')
  assert.equal(crashes[0].error.message, 'handler failed')
  const again = []
  await consumer.run({ eachMessage: async ({ message }) => { again.push(message.value.toString()) } })
  await until('the message again', () => again.length === 1)
  assert.deepEqual(again, ['boom0'])
  await consumer.disconnect()
})
