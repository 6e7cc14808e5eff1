'use strict'
// KafkaJS's admin client: topics and offsets.

const native = require('../native')
const { call, fromInfo, stateError, KafkaJSAggregateError } = require('./errors')
const { check } = require('./config')

class Admin {
  #pairs
  #native = null

  constructor(pairs) {
    this.#pairs = pairs
  }

  async connect() {
    if (!this.#native) this.#native = call(() => new native.Admin(this.#pairs))
  }

  #client() {
    if (!this.#native) throw stateError('the admin client is not connected: call connect() first')
    return this.#native
  }

  /**
   * Resolves true when every topic was created, false when some already existed
   * and nothing else failed (as KafkaJS does); rejects with a KafkaJSAggregateError
   * (`errors[i].code`, `.topic`) when any topic failed otherwise.
   */
  async createTopics({ topics, validateOnly = false, timeout, waitForLeaders } = {}) {
    check.array(topics, 'topics')
    check.bool(validateOnly, 'validateOnly')
    const list = topics.map((t, i) => {
      check.object(t, `topics[${i}]`)
      const entry = { topic: check.string(t.topic, `topics[${i}].topic`) }
      if (t.numPartitions !== undefined) entry.numPartitions = check.int(t.numPartitions, `topics[${i}].numPartitions`, -1, 2 ** 31 - 1)
      if (t.replicationFactor !== undefined) entry.replicationFactor = check.int(t.replicationFactor, `topics[${i}].replicationFactor`, -1, 32767)
      if (t.replicaAssignment !== undefined && t.replicaAssignment.length) {
        throw stateError(`topics[${i}].replicaAssignment is not supported (one broker)`, 'INVALID_REQUEST')
      }
      if (t.configEntries !== undefined) {
        check.array(t.configEntries, `topics[${i}].configEntries`)
        entry.configs = t.configEntries.map((c, j) => {
          check.object(c, `topics[${i}].configEntries[${j}]`)
          return [check.string(c.name, `topics[${i}].configEntries[${j}].name`), String(c.value)]
        })
      }
      return entry
    })
    const client = this.#client()
    const results = await call(() => client.createTopics(list, validateOnly))
    const errors = results.filter((r) => r.error).map((r) => fromInfo(r.error, { topic: r.topic }))
    if (errors.length === 0) return true
    if (errors.every((e) => e.code === 'TOPIC_ALREADY_EXISTS')) return false
    throw new KafkaJSAggregateError('Topic creation errors', errors)
  }

  /** Rejects with the first topic's error (code UNKNOWN_TOPIC_OR_PARTITION for a missing one). */
  async deleteTopics({ topics, timeout } = {}) {
    check.array(topics, 'topics')
    topics.forEach((t, i) => check.string(t, `topics[${i}]`))
    const client = this.#client()
    const results = await call(() => client.deleteTopics(topics))
    const errors = results.filter((r) => r.error).map((r) => fromInfo(r.error, { topic: r.topic }))
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new KafkaJSAggregateError('Topic deletion errors', errors)
  }

  /** Every topic's name. */
  async listTopics() {
    const client = this.#client()
    const topics = await call(() => client.listTopics())
    return topics.map((t) => t.name)
  }

  async #partitions(topic) {
    const client = this.#client()
    const listing = (await call(() => client.listTopics())).find((t) => t.name === topic)
    if (!listing) {
      throw fromInfo({ code: 'UNKNOWN_TOPIC_OR_PARTITION', errorCode: 3, retriable: true, message: `topic ${topic} does not exist` }, { topic })
    }
    return [...Array(listing.partitions).keys()]
  }

  async #offsets(topic, partitions, spec, timestamp) {
    const client = this.#client()
    const queries = partitions.map((partition) => ({ topic, partition, spec, timestamp }))
    const listed = await call(() => client.listOffsets(queries, true))
    const failed = listed.find((l) => l.error)
    if (failed) throw fromInfo(failed.error, { topic, partition: failed.partition })
    return new Map(listed.map((l) => [l.partition, l.offset]))
  }

  /** KafkaJS's shape: [{ partition, offset, high, low }] with offsets as strings (offset = high). */
  async fetchTopicOffsets(topic) {
    check.string(topic, 'topic')
    const partitions = await this.#partitions(topic)
    const low = await this.#offsets(topic, partitions, 'earliest')
    const high = await this.#offsets(topic, partitions, 'latest')
    return partitions.map((p) => ({ partition: p, offset: String(high.get(p)), high: String(high.get(p)), low: String(low.get(p)) }))
  }

  /** [{ partition, offset }]: the first offset at or after `timestamp` (the high watermark when none is). */
  async fetchTopicOffsetsByTimestamp(topic, timestamp) {
    check.string(topic, 'topic')
    const partitions = await this.#partitions(topic)
    const high = await this.#offsets(topic, partitions, 'latest')
    if (timestamp === undefined) return partitions.map((p) => ({ partition: p, offset: String(high.get(p)) }))
    check.int(timestamp, 'timestamp', 0)
    const found = await this.#offsets(topic, partitions, 'timestamp', Number(timestamp))
    return partitions.map((p) => {
      const o = found.get(p)
      return { partition: p, offset: String(o === undefined || o < 0 ? high.get(p) : o) }
    })
  }

  async disconnect() {
    const client = this.#native
    this.#native = null
    if (client) await call(() => client.close())
  }
}

module.exports = { Admin }
