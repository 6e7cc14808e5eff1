// kafkajs consumers in one group (issue 6) against a Kafka-protocol broker, the broker's answers for
// test_kafkajs_eos.py to check: two consumers({ groupId }) running run({ eachMessage }) share a 4-partition
// topic; records arrive in two waves; after the first, one member disconnects (LeaveGroup) and the other
// takes over its partitions and reads the second wave; its offsets are committed (kafkajs's autoCommit after
// each batch, and on disconnect) and the admin client lists them.
//
// Usage: node groups.js BOOTSTRAP PREFIX. Prints one JSON object: {assignments: {a: [[partitions]...], b: [...]},
// processed: {a: [[partition, offset]], b: [...]}, high: [[partition, high watermark]],
// committed: [[partition, offset]]}.

'use strict'

const { Kafka, logLevel } = require('kafkajs')

const PARTITIONS = 4
const WAVE = 200
const TIMEOUT = 20000

const [bootstrap, prefix] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'compat-kafkajs-groups', brokers: bootstrap.split(','), logLevel: logLevel.ERROR })
const topic = `${prefix}-groups`
const groupId = `${prefix}-group`

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function until(what, condition) {
  const deadline = Date.now() + TIMEOUT
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${TIMEOUT} ms: ${what}`)
    await sleep(50)
  }
}

async function member(name, log) {
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10000, maxWaitTimeInMs: 200 })
  const state = { consumer, assignment: [], processed: [], crashed: null }
  log.assignments[name] = []
  log.processed[name] = state.processed
  consumer.on(consumer.events.GROUP_JOIN, e => {
    state.assignment = (e.payload.memberAssignment[topic] || []).slice().sort()
    log.assignments[name].push(state.assignment)
  })
  consumer.on(consumer.events.CRASH, e => {
    state.crashed = e.payload.error
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      state.processed.push([partition, Number(message.offset)])
    },
  })
  return state
}

async function produce(producer, wave) {
  const messages = Array.from({ length: WAVE }, (_, i) => ({ value: `wave${wave}-${i}`, partition: i % PARTITIONS }))
  await producer.send({ topic, messages })
}

async function main() {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  const log = { assignments: {}, processed: {} }
  const total = () => log.processed.a.length + log.processed.b.length
  const ok = s => {
    if (s.crashed) throw s.crashed
    return true
  }

  const a = await member('a', log)
  await until('the first member joined', () => ok(a) && a.assignment.length === PARTITIONS)
  const b = await member('b', log)
  await until(
    'two members sharing the partitions',
    () =>
      ok(a) &&
      ok(b) &&
      a.assignment.length > 0 &&
      b.assignment.length > 0 &&
      a.assignment.length + b.assignment.length === PARTITIONS
  )
  await produce(producer, 1)
  await until('the first wave read', () => ok(a) && ok(b) && total() >= WAVE)

  await a.consumer.disconnect() // leaves the group: b takes over every partition
  await produce(producer, 2)
  await until(
    'b owning every partition and the second wave read',
    () => ok(b) && b.assignment.length === PARTITIONS && total() >= 2 * WAVE
  )
  await b.consumer.disconnect()

  const high = await admin.fetchTopicOffsets(topic)
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
  await producer.disconnect()
  await admin.disconnect()
  console.log(
    JSON.stringify({
      ...log,
      high: high.map(p => [p.partition, Number(p.high)]),
      committed: committed.partitions.map(p => [p.partition, Number(p.offset)]),
    })
  )
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : e)
  process.exit(1)
})
