'use strict'
// `new Kafka({ clientId, brokers })` and `Cluster`, the in-process broker.

const native = require('../native')
const { call } = require('./errors')
const { check, kafkaConfig, producerConfig, consumerConfig, adminConfig, rawConfig } = require('./config')
const { Producer } = require('./producer')
const { Consumer } = require('./consumer')
const { Admin } = require('./admin')

/**
 * Clusters stay up until `close()`, not until garbage collection: a program that
 * keeps only `cluster.bootstrapServers` (as a KafkaJS config does) still has its broker.
 */
const live = new Set()

/** An in-process kafkette broker; pass `cluster.bootstrapServers` as a broker. */
class Cluster {
  #native

  /** `config`: Kafka broker properties (`{ 'num.partitions': 3 }`). */
  constructor(config = {}) {
    const pairs = rawConfig(config, 'cluster')
    this.#native = call(() => new native.Cluster(pairs))
    live.add(this.#native)
  }

  /** `inproc://cluster-N`: what `brokers` (or `bootstrap.servers`) names. */
  get bootstrapServers() {
    return this.#native.bootstrapServers
  }

  /** Release this handle; the broker stops once its clients are gone too. */
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
