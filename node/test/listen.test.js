'use strict'
// new Cluster(config, { listen }): one broker served in-process and over TCP at once.
const test = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const { Kafka, Cluster, KafkaJSInvalidArgumentError } = require('..')
const { consumeN } = require('./helpers')

function canConnect(address) {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
  return new Promise((resolve) => {
    const s = net.connect({ host, port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

test('listen: bootstrapServers is 127.0.0.1:PORT and close stops the listener', async () => {
  const cluster = new Cluster({}, { listen: true })
  assert.match(cluster.bootstrapServers, /^127\.0\.0\.1:[1-9][0-9]*$/)
  assert.match(cluster.inprocName, /^inproc:\/\/cluster-[0-9]+$/)
  const address = cluster.bootstrapServers
  assert.equal(await canConnect(address), true)
  cluster.close()
  assert.equal(await canConnect(address), false)
  assert.match(new Cluster().bootstrapServers, /^inproc:\/\//)
})

test('listen: bad values are typed errors', () => {
  assert.throws(() => new Cluster({}, { listen: 9092 }), KafkaJSInvalidArgumentError)
  assert.throws(() => new Cluster({}, 'yes'), KafkaJSInvalidArgumentError)
  assert.throws(() => new Cluster({}, { listen: 'not an address' }), /not an address/)
})

test('producer over TCP, consumer in-process, admin over TCP: one broker', async () => {
  const cluster = new Cluster({ 'num.partitions': 2 }, { listen: '127.0.0.1:0' })
  try {
    const tcp = new Kafka({ clientId: 'tcp', brokers: [cluster.bootstrapServers] })
    const inproc = new Kafka({ clientId: 'inproc', brokers: [cluster.inprocName] })
    const admin = tcp.admin()
    await admin.connect()
    assert.equal(await admin.createTopics({ topics: [{ topic: 'both', numPartitions: 2 }] }), true)
    assert.ok((await admin.listTopics()).includes('both'))

    const producer = tcp.producer()
    await producer.connect()
    await producer.send({ topic: 'both', messages: [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: `v${i}` })) })
    await producer.disconnect()

    const consumer = inproc.consumer({ groupId: 'g-listen' })
    await consumer.connect()
    await consumer.assign([{ topic: 'both', partitions: [0, 1], fromBeginning: true }])
    const got = await consumeN(consumer, 5)
    await consumer.disconnect()
    assert.deepEqual(got.map((m) => m.message.value.toString()).sort(), ['v0', 'v1', 'v2', 'v3', 'v4'])

    // In-process admin sees the records the TCP producer wrote.
    const inprocAdmin = inproc.admin()
    await inprocAdmin.connect()
    const offsets = await inprocAdmin.fetchTopicOffsets('both')
    assert.equal(offsets.reduce((n, o) => n + Number(o.high), 0), 5)
    await inprocAdmin.deleteTopics({ topics: ['both'] })
    await inprocAdmin.disconnect()
    assert.ok(!(await admin.listTopics()).includes('both'))
    await admin.disconnect()
  } finally {
    cluster.close()
  }
})
