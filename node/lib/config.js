'use strict'
// KafkaJS options → Kafka property pairs (what the Rust core takes), and the
// argument checks every public function uses (a TypeError naming the field).

const { KafkaJSInvalidArgumentError } = require('./errors')

function bad(field, problem) {
  return new KafkaJSInvalidArgumentError(`${field}: ${problem}`, { field })
}

function describe(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (Buffer.isBuffer(v)) return 'a Buffer'
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `${typeof v} ${String(v)}`
}

const check = {
  object(v, field) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(field, `expected an object, got ${describe(v)}`)
    return v
  },
  array(v, field) {
    if (!Array.isArray(v)) throw bad(field, `expected an array, got ${describe(v)}`)
    return v
  },
  string(v, field) {
    if (typeof v !== 'string' || v.length === 0) throw bad(field, `expected a non-empty string, got ${describe(v)}`)
    return v
  },
  bool(v, field) {
    if (typeof v !== 'boolean') throw bad(field, `expected true or false, got ${describe(v)}`)
    return v
  },
  func(v, field) {
    if (typeof v !== 'function') throw bad(field, `expected a function, got ${describe(v)}`)
    return v
  },
  /** An integer in [min, max]; numeric strings are accepted as KafkaJS accepts them for offsets. */
  int(v, field, min = 0, max = Number.MAX_SAFE_INTEGER) {
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw bad(field, `expected an integer from ${min} to ${max}, got ${describe(v)}`)
    }
    return n
  },
  /** Only the listed option names (a typo is an error rather than silently ignored). */
  known(opts, field, names) {
    for (const k of Object.keys(opts)) {
      if (!names.includes(k)) throw bad(`${field}.${k}`, `unknown option (known: ${names.join(', ')})`)
    }
  },
}

/** `{ 'linger.ms': 10 }` → [['linger.ms', '10']]: kafkette's raw Kafka-property escape hatch. */
function rawConfig(config, field = 'config') {
  if (config === undefined) return []
  check.object(config, field)
  return Object.entries(config)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => {
      if (!['string', 'number', 'boolean'].includes(typeof v)) throw bad(`${field}['${k}']`, `expected a string, number or boolean, got ${describe(v)}`)
      return [k, String(v)]
    })
}

const KAFKA_OPTIONS = [
  'clientId', 'brokers', 'ssl', 'sasl', 'connectionTimeout', 'authenticationTimeout', 'reauthenticationThreshold',
  'requestTimeout', 'enforceRequestTimeout', 'retry', 'socketFactory', 'logLevel', 'logCreator',
]

/** Properties every client of a `new Kafka(...)` shares. */
function kafkaConfig(opts) {
  check.object(opts, 'kafka')
  check.known(opts, 'kafka', KAFKA_OPTIONS)
  let brokers = opts.brokers
  if (typeof brokers === 'function') brokers = brokers()
  if (typeof brokers === 'string') brokers = [brokers]
  check.array(brokers, 'kafka.brokers')
  if (brokers.length === 0) throw bad('kafka.brokers', 'expected at least one broker (cluster.bootstrapServers)')
  brokers.forEach((b, i) => check.string(b, `kafka.brokers[${i}]`))
  if (opts.ssl || opts.sasl) throw bad(opts.ssl ? 'kafka.ssl' : 'kafka.sasl', 'not supported by the in-process driver')
  const pairs = [['bootstrap.servers', brokers.join(',')]]
  if (opts.clientId !== undefined) pairs.push(['client.id', check.string(opts.clientId, 'kafka.clientId')])
  return { pairs, requestTimeout: opts.requestTimeout, retry: opts.retry }
}

/** KafkaJS's `retry` ({ retries, initialRetryTime, maxRetryTime }) as Kafka's retry properties. */
function retryPairs(retry, field) {
  if (retry === undefined) return []
  check.object(retry, field)
  const pairs = []
  if (retry.retries !== undefined) pairs.push(['retries', String(check.int(retry.retries, `${field}.retries`, 0, 2 ** 31 - 1))])
  if (retry.initialRetryTime !== undefined) pairs.push(['retry.backoff.ms', String(check.int(retry.initialRetryTime, `${field}.initialRetryTime`))])
  if (retry.maxRetryTime !== undefined) pairs.push(['retry.backoff.max.ms', String(check.int(retry.maxRetryTime, `${field}.maxRetryTime`))])
  return pairs
}

function common(kafka, opts, field) {
  const pairs = [...kafka.pairs]
  if (kafka.requestTimeout !== undefined) pairs.push(['request.timeout.ms', String(check.int(kafka.requestTimeout, 'kafka.requestTimeout'))])
  pairs.push(...retryPairs(kafka.retry, 'kafka.retry'))
  pairs.push(...retryPairs(opts.retry, `${field}.retry`))
  return pairs
}

/** Optional option → property, with a check; booleans and numbers as Kafka spells them. */
function map(pairs, opts, field, name, key, kind) {
  const v = opts[name]
  if (v === undefined) return
  const f = `${field}.${name}`
  const value = kind === 'bool' ? check.bool(v, f) : kind === 'string' ? check.string(v, f) : check.int(v, f)
  pairs.push([key, String(value)])
}

const PRODUCER_OPTIONS = [
  'createPartitioner', 'retry', 'metadataMaxAge', 'allowAutoTopicCreation', 'transactionTimeout', 'idempotent',
  'maxInFlightRequests', 'transactionalId', 'config',
]

function producerConfig(kafka, opts = {}) {
  check.object(opts, 'producer')
  check.known(opts, 'producer', PRODUCER_OPTIONS)
  const pairs = common(kafka, opts, 'producer')
  map(pairs, opts, 'producer', 'metadataMaxAge', 'metadata.max.age.ms')
  map(pairs, opts, 'producer', 'allowAutoTopicCreation', 'allow.auto.create.topics', 'bool')
  map(pairs, opts, 'producer', 'transactionTimeout', 'transaction.timeout.ms')
  map(pairs, opts, 'producer', 'idempotent', 'enable.idempotence', 'bool')
  map(pairs, opts, 'producer', 'maxInFlightRequests', 'max.in.flight.requests.per.connection')
  map(pairs, opts, 'producer', 'transactionalId', 'transactional.id', 'string')
  if (opts.createPartitioner !== undefined && !opts.createPartitioner.kafketteBuiltin) {
    throw bad('producer.createPartitioner', 'custom partitioners are not supported; use Partitioners.DefaultPartitioner (Java-compatible murmur2)')
  }
  pairs.push(...rawConfig(opts.config, 'producer.config'))
  return pairs
}

const CONSUMER_OPTIONS = [
  'groupId', 'partitionAssigners', 'sessionTimeout', 'rebalanceTimeout', 'heartbeatInterval', 'metadataMaxAge',
  'allowAutoTopicCreation', 'maxBytesPerPartition', 'minBytes', 'maxBytes', 'maxWaitTimeInMs', 'retry',
  'readUncommitted', 'maxInFlightRequests', 'rackId', 'config',
]

function consumerConfig(kafka, opts = {}) {
  check.object(opts, 'consumer')
  check.known(opts, 'consumer', CONSUMER_OPTIONS)
  const pairs = common(kafka, opts, 'consumer')
  map(pairs, opts, 'consumer', 'groupId', 'group.id', 'string')
  if (opts.partitionAssigners !== undefined) {
    check.array(opts.partitionAssigners, 'consumer.partitionAssigners')
    if (opts.partitionAssigners.length === 0) throw bad('consumer.partitionAssigners', 'expected at least one assigner')
    const names = opts.partitionAssigners.map((a, i) => {
      if (typeof a !== 'function' || !a.kafketteAssignor) {
        throw bad(`consumer.partitionAssigners[${i}]`, 'custom assigners are not supported; use PartitionAssigners.roundRobin, range, sticky or cooperativeSticky')
      }
      return a.kafketteAssignor
    })
    pairs.push(['partition.assignment.strategy', names.join(',')])
  }
  map(pairs, opts, 'consumer', 'sessionTimeout', 'session.timeout.ms')
  map(pairs, opts, 'consumer', 'rebalanceTimeout', 'max.poll.interval.ms')
  map(pairs, opts, 'consumer', 'heartbeatInterval', 'heartbeat.interval.ms')
  map(pairs, opts, 'consumer', 'metadataMaxAge', 'metadata.max.age.ms')
  map(pairs, opts, 'consumer', 'allowAutoTopicCreation', 'allow.auto.create.topics', 'bool')
  map(pairs, opts, 'consumer', 'maxBytesPerPartition', 'max.partition.fetch.bytes')
  map(pairs, opts, 'consumer', 'minBytes', 'fetch.min.bytes')
  map(pairs, opts, 'consumer', 'maxBytes', 'fetch.max.bytes')
  map(pairs, opts, 'consumer', 'maxWaitTimeInMs', 'fetch.max.wait.ms')
  if (opts.readUncommitted !== undefined) {
    pairs.push(['isolation.level', check.bool(opts.readUncommitted, 'consumer.readUncommitted') ? 'read_uncommitted' : 'read_committed'])
  }
  pairs.push(...rawConfig(opts.config, 'consumer.config'))
  return pairs
}

const ADMIN_OPTIONS = ['retry', 'config']

function adminConfig(kafka, opts = {}) {
  check.object(opts, 'admin')
  check.known(opts, 'admin', ADMIN_OPTIONS)
  const pairs = common(kafka, opts, 'admin')
  pairs.push(...rawConfig(opts.config, 'admin.config'))
  return pairs
}

/** KafkaJS's CompressionTypes codes → `compression.type`. */
const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

function compressionType(code, field) {
  if (!Number.isInteger(code) || !COMPRESSION_NAMES[code]) {
    throw bad(field, `expected a CompressionTypes code (0 None, 1 GZIP, 2 Snappy, 3 LZ4, 4 ZSTD), got ${describe(code)}`)
  }
  return COMPRESSION_NAMES[code]
}

function acksValue(acks, field) {
  if (acks === -1) return 'all'
  if (acks === 0 || acks === 1) return String(acks)
  throw bad(field, `expected -1 (all), 0 or 1, got ${describe(acks)}`)
}

module.exports = { bad, check, describe, rawConfig, kafkaConfig, producerConfig, consumerConfig, adminConfig, compressionType, acksValue }
