'use strict'
// KafkaJS's admin client: topics, offsets and consumer groups (lib/admin_groups.js).

const native = require('../native')
const { call, fromInfo, stateError, KafkaJSAggregateError } = require('./errors')
const { check } = require('./config')
const groups = require('./admin_groups')

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

  // ---- describeConfigs, describeCluster, createPartitions, deleteTopicRecords ----

  /**
   * KafkaJS's shape: { resources: [{ errorCode, errorMessage, resourceName, resourceType,
   * configEntries: [{ configName, configValue, readOnly, isDefault, configSource, isSensitive,
   * configSynonyms }] }], throttleTime }. Rejects with the first resource's error, as KafkaJS does.
   */
  async describeConfigs({ resources, includeSynonyms = false } = {}) {
    check.array(resources, 'resources')
    check.bool(includeSynonyms, 'includeSynonyms')
    const wanted = resources.map((r, i) => {
      check.object(r, `resources[${i}]`)
      const type = check.int(r.type, `resources[${i}].type`, 0, 127)
      if (type !== ConfigResourceTypes.TOPIC && type !== ConfigResourceTypes.BROKER) {
        throw stateError(`resources[${i}].type ${type}: only TOPIC (2) and BROKER (4) have configurations`, 'INVALID_REQUEST')
      }
      const names = r.configNames === undefined || r.configNames === null ? null : check.array(r.configNames, `resources[${i}].configNames`)
      if (names) names.forEach((n, j) => check.string(n, `resources[${i}].configNames[${j}]`))
      return { resourceType: type, resourceName: check.string(r.name, `resources[${i}].name`), names }
    })
    const client = this.#client()
    const results = await call(() =>
      client.describeConfigs(wanted.map(({ resourceType, resourceName }) => ({ resourceType, resourceName })), includeSynonyms),
    )
    const failed = results.find((r) => r.error)
    if (failed) throw fromInfo(failed.error, { resourceName: failed.resourceName, resourceType: failed.resourceType })
    return {
      throttleTime: 0,
      resources: results.map((r, i) => {
        const names = wanted[i] && wanted[i].names
        const entries = names ? r.configEntries.filter((e) => names.includes(e.configName)) : r.configEntries
        return {
          errorCode: 0,
          errorMessage: null,
          resourceName: r.resourceName,
          resourceType: r.resourceType,
          configEntries: entries.map((e) => ({ ...e, configSynonyms: includeSynonyms ? e.configSynonyms : [] })),
        }
      }),
    }
  }

  /** { brokers: [{ nodeId, host, port }], controller, clusterId } */
  async describeCluster() {
    const client = this.#client()
    const d = await call(() => client.describeCluster())
    return { brokers: d.brokers, controller: d.controller === undefined || d.controller === null ? null : d.controller, clusterId: d.clusterId }
  }

  /** Grows each topic to `count` partitions; rejects with the topic's error (KafkaJSAggregateError for several). */
  async createPartitions({ topicPartitions, validateOnly = false, timeout } = {}) {
    check.array(topicPartitions, 'topicPartitions')
    check.bool(validateOnly, 'validateOnly')
    const counts = topicPartitions.map((t, i) => {
      check.object(t, `topicPartitions[${i}]`)
      if (t.assignments !== undefined && t.assignments.length) {
        throw stateError(`topicPartitions[${i}].assignments is not supported: leaders are placed by the broker`, 'INVALID_REQUEST')
      }
      return { topic: check.string(t.topic, `topicPartitions[${i}].topic`), count: check.int(t.count, `topicPartitions[${i}].count`, 1, 2 ** 31 - 1) }
    })
    const client = this.#client()
    const results = await call(() => client.createPartitions(counts, validateOnly))
    const errors = results.filter((r) => r.error).map((r) => fromInfo(r.error, { topic: r.topic }))
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new KafkaJSAggregateError('Partition creation errors', errors)
    return true
  }

  /** Deletes records before each partition's offset (a string; '-1' means the high watermark). */
  async deleteTopicRecords({ topic, partitions } = {}) {
    check.string(topic, 'topic')
    check.array(partitions, 'partitions')
    const offsets = partitions.map((p, i) => {
      check.object(p, `partitions[${i}]`)
      const partition = check.int(p.partition, `partitions[${i}].partition`, 0, 2 ** 31 - 1)
      const offset = Number(p.offset)
      if (!Number.isSafeInteger(offset) || offset < -1) {
        throw stateError(`partitions[${i}].offset ${p.offset}: an offset, or -1 for the high watermark`, 'INVALID_ARGUMENT')
      }
      return { topic, partition, offset }
    })
    const client = this.#client()
    const results = await call(() => client.deleteRecords(offsets))
    const errors = results.filter((r) => r.error).map((r) => fromInfo(r.error, { topic, partition: r.partition }))
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new KafkaJSAggregateError('Record deletion errors', errors)
  }

  async listGroups() {
    return groups.listGroups(this.#client())
  }

  async describeGroups(groupIds) {
    return groups.describeGroups(this.#client(), groupIds)
  }

  async fetchOffsets(req) {
    return groups.fetchOffsets(this.#client(), (topic) => this.#partitions(topic), req, (topic) => this.fetchTopicOffsets(topic))
  }

  async setOffsets(req) {
    return groups.setOffsets(this.#client(), req)
  }

  async resetOffsets(req) {
    return groups.resetOffsets(this.#client(), req)
  }

  async deleteGroups(groupIds) {
    return groups.deleteGroups(this.#client(), groupIds)
  }

  async disconnect() {
    const client = this.#native
    this.#native = null
    if (client) await call(() => client.close())
  }
}

/** KafkaJS's ConfigResourceTypes. */
const ConfigResourceTypes = Object.freeze({ UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 })
/** KafkaJS's ConfigSource. */
const ConfigSource = Object.freeze({
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
})

module.exports = { Admin, ConfigResourceTypes, ConfigSource }
