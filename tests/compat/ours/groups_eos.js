'use strict'
// Our Node binding (KafkaJS's API) in a consumer group with a transactional producer, over TCP
// against the broker argv[2] (Apache Kafka 4.1.1, `kafkette serve` or a listening Cluster;
// tests/compat/test_ours_node_eos.py). argv[3] prefixes the names.
//
// 1. A transaction that is aborted (its records must never be read with read_committed).
// 2. A copier: consumer({ groupId }) + producer({ transactionalId }); eachBatch copies each batch
//    in one transaction (send + sendOffsets + commit) with heartbeat() and resolveOffset; it
//    copies the first 30 records, disconnects, and a second copier (same group, new member)
//    copies the 30 produced after, starting from the group's committed offsets.
// 3. A read_committed consumer (its own group) reads the output.
// Prints JSON: input [partition, offset, value], output values, the aborted values seen, the
// copier group's committed offsets per partition, the high watermarks, GROUP_JOIN counts and
// describeGroups of the copier group while it ran.

const { Kafka, logLevel } = require('../../../node')

const [bootstrap, prefix] = process.argv.slice(2)
const IN = `${prefix}-in`
const OUT = `${prefix}-out`
const GROUP = `${prefix}-copier`
const PARTITIONS = 3

const kafka = new Kafka({ clientId: prefix, brokers: [bootstrap], logLevel: logLevel.NOTHING })
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function until(what, cond, ms = 60000) {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

async function produceInput(from, n) {
  const p = kafka.producer()
  await p.connect()
  await p.send({ topic: IN, messages: [...Array(n).keys()].map((i) => ({ key: `k${from + i}`, value: `v${from + i}` })) })
  await p.disconnect()
}

/** One copier member: copies until `want` input records were copied in total, then disconnects. */
async function copier(name, copied, want, info) {
  const producer = kafka.producer({ transactionalId: `${prefix}-${name}`, maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  const consumer = kafka.consumer({ groupId: GROUP, maxWaitTimeInMs: 200, readUncommitted: false, sessionTimeout: 10000, heartbeatInterval: 500 })
  let joins = 0
  consumer.on(consumer.events.GROUP_JOIN, () => joins++)
  await consumer.connect()
  await consumer.subscribe({ topics: [IN], fromBeginning: true })
  let failure = null
  consumer.on(consumer.events.CRASH, (e) => { failure = e.payload.error })
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
      if (copied.length >= want || !isRunning()) return
      const txn = await producer.transaction()
      try {
        await txn.send({ topic: OUT, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) })
        await heartbeat()
        const next = String(Number(batch.lastOffset()) + 1)
        await txn.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] })
        await txn.commit()
      } catch (e) {
        await txn.abort()
        throw e
      }
      for (const m of batch.messages) {
        copied.push([batch.partition, Number(m.offset), m.value.toString()])
        resolveOffset(m.offset)
      }
    },
  })
  await until(`${name} to copy ${want}`, () => failure !== null || copied.length >= want)
  if (failure) throw failure
  const admin = kafka.admin()
  await admin.connect()
  const d = (await admin.describeGroups([GROUP])).groups[0]
  info[name] = { state: d.state, members: d.members.length, joins }
  await admin.disconnect()
  await consumer.disconnect()
  await producer.disconnect()
}

async function main() {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: IN, numPartitions: PARTITIONS }, { topic: OUT, numPartitions: PARTITIONS }], waitForLeaders: true })

  // 1. An aborted transaction on the output.
  const aborter = kafka.producer({ transactionalId: `${prefix}-aborter`, maxInFlightRequests: 1, idempotent: true })
  await aborter.connect()
  const txn = await aborter.transaction()
  await txn.send({ topic: OUT, messages: [...Array(5).keys()].map((i) => ({ value: `aborted-${i}` })) })
  await txn.abort()
  await aborter.disconnect()

  // 2. Two copiers one after the other, in one group.
  const copied = []
  const info = {}
  await produceInput(0, 30)
  await copier('a', copied, 30, info)
  await produceInput(30, 30)
  await copier('b', copied, 60, info)

  // 3. The output with read_committed.
  const reader = kafka.consumer({ groupId: `${prefix}-reader`, maxWaitTimeInMs: 200, readUncommitted: false })
  await reader.connect()
  await reader.subscribe({ topic: OUT, fromBeginning: true })
  const output = []
  await reader.run({ eachMessage: async ({ message }) => { output.push(message.value.toString()) } })
  await until('the output', () => output.length >= 60)
  await sleep(500) // anything more (duplicates, aborted records) would arrive by now
  await reader.disconnect()

  const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [IN] })
  const high = await admin.fetchTopicOffsets(IN)
  await admin.disconnect()
  process.stdout.write(JSON.stringify({
    input: copied,
    output,
    committed: offsets[0].partitions.map((p) => [p.partition, Number(p.offset)]),
    high: high.map((h) => [h.partition, Number(h.high)]),
    info,
  }))
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
