'use strict'
// `new Kafka({ clientId, brokers })` and `Cluster`, the in-process broker.

const native = require('../native')
const { call } = require('./errors')
const { bad, describe, check, kafkaConfig, producerConfig, consumerConfig, adminConfig, rawConfig } = require('./config')
const { Producer } = require('./producer')
const { Consumer } = require('./consumer')
const { Admin } = require('./admin')

/**
 * Clusters stay up until `close()`, not until garbage collection: a program that
 * keeps only `cluster.bootstrapServers` (as a KafkaJS config does) still has its broker.
 */
const live = new Set()

/** `options.listen`: true (an ephemeral port on 127.0.0.1), a 'host:port' string, or absent. */
function listenAddress(options) {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object') throw bad('cluster options', `expected an object like { listen: true }, got ${describe(options)}`)
  const { listen } = options
  if (listen === undefined || listen === false || listen === null) return undefined
  if (listen === true) return '127.0.0.1:0'
  if (typeof listen === 'string') return listen
  throw bad('cluster.listen', `expected true or a 'host:port' string, got ${describe(listen)}`)
}

/**
 * An in-process kafkette broker; pass `cluster.bootstrapServers` as a broker. With
 * `{ listen: true }` (or `{ listen: '127.0.0.1:9092' }`) it also serves TCP, so any
 * Kafka client (KafkaJS, kcat, ...) can connect: `bootstrapServers` is then `127.0.0.1:PORT`.
 */
class Cluster {
  #native

  /** `config`: Kafka broker properties (`{ 'num.partitions': 3 }`); `options`: `{ listen }`. */
  constructor(config = {}, options = undefined) {
    const pairs = rawConfig(config, 'cluster')
    const listen = listenAddress(options)
    this.#native = call(() => new native.Cluster(pairs, listen))
    live.add(this.#native)
  }

  /** `inproc://cluster-N`, or `127.0.0.1:PORT` when listening: what `brokers` (or `bootstrap.servers`) names. */
  get bootstrapServers() {
    return this.#native.bootstrapServers
  }

  /** `inproc://cluster-N`: a broker address that stays in-process even while the cluster listens. */
  get inprocName() {
    return this.#native.inprocName
  }

  /** Release this handle and stop listening; the broker stops once its in-process clients are gone too. */
  close() {
    live.delete(this.#native)
    this.#native.close()
  }
}

class Kafka {
  #config

  constructor(options) {
    this.#config = kafkaConfig(options)
  }

  producer(options = {}) {
    return new Producer(producerConfig(this.#config, options))
  }

  consumer(options = {}) {
    const pairs = consumerConfig(this.#config, options)
    return new Consumer(this, pairs, options.maxWaitTimeInMs === undefined ? undefined : check.int(options.maxWaitTimeInMs, 'consumer.maxWaitTimeInMs'))
  }

  admin(options = {}) {
    return new Admin(adminConfig(this.#config, options))
  }
}

module.exports = { Kafka, Cluster }
