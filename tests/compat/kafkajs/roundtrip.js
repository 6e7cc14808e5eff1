// kafkajs (unmodified, pinned in package-lock.json) against a Kafka-protocol broker: for each
// compression named, create a 6-partition topic with the admin client and produce 10,000 keyed
// records with headers (a repeated name, a binary value, an empty value), in sends of 500.
//
// Usage: node roundtrip.js BOOTSTRAP TOPIC_PREFIX COMPRESSION[,COMPRESSION...] OUT.json
// Writes OUT.json: [{compression, topic, ms, records: [{partition, offset, key, value, headers}]}]
// with values and header values in base64, partition and offset as kafkajs reported them
// (the base offset of the partition's batch in the Produce response, plus the record's place in
// it). Reading back is the test's job: kafkajs consumers need consumer groups (see FINDINGS.md).

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
// of the same shape over zstd-codec (zstd compiled to WebAssembly, nothing to build).
function zstdCodec() {
  const ready = new Promise(resolve => ZstdCodec.run(resolve))
  return {
    async compress(encoder) {
      const zstd = await ready
      return Buffer.from(new zstd.Simple().compress(encoder.buffer, 3))
    },
    async decompress(buffer) {
      const zstd = await ready
      return Buffer.from(new zstd.Streaming().decompress(buffer))
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
    results.push({ compression, topic, ms: Date.now() - t0, records })
  }
  fs.writeFileSync(out, JSON.stringify(results))
}

main().catch(e => {
  console.error(`kafkajs roundtrip failed: ${e.stack || e}`)
  process.exit(1)
})
