'use strict'
// kafkette for Node.js: KafkaJS's API over an embeddable Kafka-compatible broker.
//   const { Kafka, Cluster } = require('kafkette')

const { Kafka, Cluster } = require('./kafka')
const errors = require('./errors')
const { ConfigResourceTypes, ConfigSource } = require('./admin')

/** KafkaJS's compression codes (every codec is built in: no CompressionCodecs plugins needed). */
const CompressionTypes = Object.freeze({ None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 })
const CompressionCodecs = {}

function builtin(name) {
  const f = () => {
    throw new Error(`kafkette's ${name} runs inside the core; it is a marker, not a function to call`)
  }
  f.kafketteBuiltin = true
  return f
}

/** The core's partitioner is Java's (murmur2 of the key, sticky without one), KafkaJS v2's default. */
const Partitioners = Object.freeze({
  DefaultPartitioner: builtin('DefaultPartitioner'),
  JavaCompatiblePartitioner: builtin('JavaCompatiblePartitioner'),
})

function assignor(name, strategy) {
  const f = builtin(name)
  f.kafketteAssignor = strategy
  return f
}

/** KafkaJS's roundRobin, and the core's other client-side assignors (kafkette's extension). */
const PartitionAssigners = Object.freeze({
  roundRobin: assignor('roundRobin', 'roundrobin'),
  range: assignor('range', 'range'),
  sticky: assignor('sticky', 'sticky'),
  cooperativeSticky: assignor('cooperativeSticky', 'cooperative-sticky'),
})

const logLevel = Object.freeze({ NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 })

module.exports = {
  Kafka,
  Cluster,
  CompressionTypes,
  CompressionCodecs,
  Partitioners,
  PartitionAssigners,
  logLevel,
  ConfigResourceTypes,
  ConfigSource,
  KafkaJSError: errors.KafkaJSError,
  KafkaJSNonRetriableError: errors.KafkaJSNonRetriableError,
  KafkaJSProtocolError: errors.KafkaJSProtocolError,
  KafkaJSTimeout: errors.KafkaJSTimeout,
  KafkaJSConnectionError: errors.KafkaJSConnectionError,
  KafkaJSAggregateError: errors.KafkaJSAggregateError,
  KafkaJSInvalidArgumentError: errors.KafkaJSInvalidArgumentError,
}
