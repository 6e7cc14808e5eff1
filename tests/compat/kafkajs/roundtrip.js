// kafkajs (unmodified, pinned in package-lock.json) against a Kafka-protocol broker: for each
// compression named, create a 6-partition topic with the admin client, produce 10,000 keyed records
// with headers (a repeated name, a binary value, an empty value) in sends of 500, list the partitions'
// offsets with the admin client, and read every record back with kafkajs's Fetch requests.
//
// Usage: node roundtrip.js BOOTSTRAP TOPIC_PREFIX COMPRESSION[,COMPRESSION...] OUT.json
// Writes OUT.json: [{compression, topic, ms, records, offsets: [{partition, low, high}], read}] where
// records (as produced: partition and offset as kafkajs reported them, the base offset of the
// partition's batch in the Produce response plus the record's place in it) and read (as fetched) are
// [{partition, offset, key, value, headers: [[name, value]]}], values in base64. The test compares them.

'use strict'

const fs = require('fs')
const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')
const LZ4Codec = require('kafkajs-lz4')
const { ZstdCodec } = require('zstd-codec')

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec

// kafkajs's own zstd codec (@kafkajs/zstd) does not build on Node 20 (FINDINGS.md), so zstd is a codec
// of the same shape over zstd-codec (zstd compiled to WebAssembly, nothing to build). kafkajs calls the
// factory once per batch: the WebAssembly module and its coders are made once.
let zstd = null
function zstdCodec() {
  const coders = z => ({ simple: new z.Simple(), streaming: new z.Streaming() })
  zstd = zstd || new Promise(resolve => ZstdCodec.run(z => resolve(coders(z))))
  return {
    async compress(encoder) {
      return Buffer.from((await zstd).simple.compress(encoder.buffer, 3))
    },
    async decompress(buffer) {
      return Buffer.from((await zstd).streaming.decompress(buffer))
    },
  }
}

const RECORDS = 10000
const PARTITIONS = 6
const CHUNK = 500
const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

function message(i) {
  return {
    key: `key-${i % 997}`,
    value: Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`),
    headers: {
      seq: String(i),
      rep: ['first', 'second'],
      bin: Buffer.from([0, 0xff, i & 0xff, (i >> 8) & 0xff, 0x7f]),
      empty: Buffer.alloc(0),
    },
  }
}

// The headers as the wire carries them: in order, a repeated name once per value.
function headerList(headers) {
  const out = []
  for (const [name, v] of Object.entries(headers)) {
    for (const one of Array.isArray(v) ? v : [v]) out.push([name, Buffer.from(one).toString('base64')])
  }
  return out
}

async function roundtrip(kafka, topic, compression) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    })
    if (!created) throw new Error(`createTopics: ${topic} already exists`)
  } finally {
    await admin.disconnect()
  }

  // The partitioner kafkajs uses (DefaultPartitioner, the default in 2.x), asked for each
  // record; the test checks its answers against Java's murmur2 independently.
  const partitionOf = Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, p) => ({ partitionId: p, leader: 0 }))
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const records = []
  try {
    for (let start = 0; start < RECORDS; start += CHUNK) {
      const messages = []
      for (let i = start; i < Math.min(RECORDS, start + CHUNK); i++) messages.push(message(i))
      const meta = await producer.send({ topic, acks: -1, compression: COMPRESSION[compression], messages })
      const base = new Map(meta.map(m => [m.partition, BigInt(m.baseOffset)]))
      const seen = new Map()
      for (const m of messages) {
        const partition = partitionOf({ topic, partitionMetadata, message: m })
        if (!base.has(partition)) throw new Error(`no Produce result for partition ${partition}`)
        const k = seen.get(partition) || 0n
        seen.set(partition, k + 1n)
        records.push({
          partition,
          offset: Number(base.get(partition) + k),
          key: m.key,
          value: m.value.toString('base64'),
          headers: headerList(m.headers),
        })
      }
    }
  } finally {
    await producer.disconnect()
  }
  return records
}

// ListOffsets through kafkajs's admin: earliest and latest offset of each partition.
async function offsets(kafka, topic) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const got = await admin.fetchTopicOffsets(topic)
    return got.map(o => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
  } finally {
    await admin.disconnect()
  }
}

// Reads the topic back with kafkajs's own Fetch requests and record decoding (and so its codecs'
// decompress). kafkajs's consumer only works in a group (issue 6), so this drives the cluster and
// broker objects that consumer uses, reached through the client's private factory.
async function readBack(kafka, topic, highs) {
  const factory = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  const cluster = kafka[factory]({ metadataMaxAge: 300000, allowAutoTopicCreation: false })
  await cluster.connect()
  const out = []
  try {
    await cluster.addTargetTopic(topic)
    const partitions = Array.from({ length: PARTITIONS }, (_, p) => p)
    const next = new Map(partitions.map(p => [p, 0]))
    const deadline = Date.now() + 60000
    for (const [nodeId, led] of Object.entries(cluster.findLeaderForPartitions(topic, partitions))) {
      const broker = await cluster.findBroker({ nodeId })
      let todo = led.filter(p => next.get(p) < highs.get(p))
      while (todo.length > 0) {
        if (Date.now() > deadline) throw new Error(`read back: stuck at ${JSON.stringify([...next])}`)
        const wanted = todo.map(p => ({ partition: p, fetchOffset: String(next.get(p)), maxBytes: 1048576 }))
        const fetched = await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 100,
          topics: [{ topic, partitions: wanted }],
        })
        for (const { partitions: parts } of fetched.responses) {
          for (const { partition, errorCode, messages } of parts) {
            if (errorCode !== 0) throw new Error(`read back: partition ${partition}: error ${errorCode}`)
            for (const m of messages) {
              const offset = Number(m.offset)
              if (offset < next.get(partition)) continue // the start of a batch fetched from its middle
              next.set(partition, offset + 1)
              out.push({
                partition,
                offset,
                key: m.key.toString(),
                value: m.value.toString('base64'),
                headers: headerList(m.headers),
              })
            }
          }
        }
        todo = todo.filter(p => next.get(p) < highs.get(p))
      }
    }
  } finally {
    await cluster.disconnect()
  }
  return out
}

async function main() {
  const [bootstrap, prefix, compressions, out] = process.argv.slice(2)
  if (!out) {
    console.error('usage: node roundtrip.js BOOTSTRAP TOPIC_PREFIX COMPRESSION[,COMPRESSION...] OUT.json')
    process.exit(2)
  }
  const kafka = new Kafka({
    clientId: 'kafkette-compat-kafkajs',
    brokers: bootstrap.split(','),
    logLevel: logLevel.ERROR,
    retry: { retries: 3 },
  })
  const results = []
  for (const compression of compressions.split(',')) {
    if (!(compression in COMPRESSION)) throw new Error(`unknown compression ${compression}`)
    const topic = `${prefix}-${compression}`
    const t0 = Date.now()
    const records = await roundtrip(kafka, topic, compression)
    const listed = await offsets(kafka, topic)
    const read = await readBack(kafka, topic, new Map(listed.map(o => [o.partition, o.high])))
    results.push({ compression, topic, ms: Date.now() - t0, records, offsets: listed, read })
  }
  fs.writeFileSync(out, JSON.stringify(results))
}

main().catch(e => {
  console.error(`kafkajs roundtrip failed: ${e.stack || e}`)
  process.exit(1)
})
