'use strict'
// KafkaJS's consumer. With a `groupId`, `subscribe` records the topics (strings or
// RegExps) and `run` joins the group: the core's group member does the rebalances,
// heartbeats and auto-commit; each poll hands back the group events, which become
// GROUP_JOIN / REBALANCING and keep `assignment()` current. Without a groupId,
// `subscribe` takes every partition of the topics, and `assign` (kafkette's
// extension) assigns partitions by hand. `run` loops on a background poll until `stop()`.
//
// Offsets are KafkaJS's: a message is resolved once its eachMessage returned (in eachBatch
// by `resolveOffset`, or all of the batch with `eachBatchAutoResolve`), and only resolved
// offsets are committed. The group consumer runs with `enable.auto.offset.store=false`:
// resolved offsets are stored in the core before each poll, heartbeat and commit, and
// the core's auto-commit (every `autoCommitInterval`, before a rebalance revokes, on
// disconnect) commits them. `heartbeat()` drives the core's member (the core has no
// background thread): a heartbeat goes out when due, so long handlers keep their partitions.
//
// Seeks, pauses and resumes made while `run` is looping are queued and applied
// between polls (KafkaJS does the same): the poll in progress is woken so they
// take effect at once, and records of a partition sought or paused after its
// poll are dropped and fetched again from the new position.

const { EventEmitter } = require('node:events')
const native = require('../native')
const { call, fromNative, stateError } = require('./errors')
const { bad, check, describe } = require('./config')

const EVENTS = Object.freeze({
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
})

const CLOSE_TIMEOUT_MS = 10000
const COMMIT_TIMEOUT_MS = 30000

/** A RegExp as the core's pattern: its whole-name match, so `.test`'s partial match semantics hold. */
function patternOf(re) {
  const flags = re.flags.includes('i') ? '(?i)' : ''
  return `${flags}.*(?:${re.source}).*`
}

/** A topic name as a regular expression matching exactly it. */
const literal = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const OFFSET_BEGINNING = -2
const OFFSET_END = -1
const RETRY_BACKOFF_MS = 100

const tpKey = (topic, partition) => `${topic}\u0000${partition}`

/** The record's headers as KafkaJS gives them: an object, repeated keys as arrays. */
function headersObject(list) {
  const out = {}
  for (const { key, value } of list) {
    const v = value === undefined ? null : value
    if (!Object.prototype.hasOwnProperty.call(out, key)) out[key] = v
    else if (Array.isArray(out[key])) out[key].push(v)
    else out[key] = [out[key], v]
  }
  return out
}

function toMessage(r) {
  return {
    key: r.key === undefined ? null : r.key,
    value: r.value === undefined ? null : r.value,
    timestamp: String(r.timestamp),
    attributes: r.timestampType === 1 ? 8 : 0,
    offset: String(r.offset),
    headers: headersObject(r.headers),
  }
}

/** KafkaJS's Batch: the records of one partition from one poll. */
class Batch {
  constructor(topic, partition, highWatermark, messages) {
    this.topic = topic
    this.partition = partition
    this.highWatermark = String(highWatermark)
    this.messages = messages
  }
  isEmpty() {
    return this.messages.length === 0
  }
  firstOffset() {
    return this.isEmpty() ? null : this.messages[0].offset
  }
  lastOffset() {
    return this.isEmpty() ? String(Number(this.highWatermark) - 1) : this.messages[this.messages.length - 1].offset
  }
  offsetLag() {
    return String(Math.max(0, Number(this.highWatermark) - 1 - Number(this.lastOffset())))
  }
  offsetLagLow() {
    return this.isEmpty() ? '0' : String(Math.max(0, Number(this.highWatermark) - 1 - Number(this.firstOffset())))
  }
}

/** `[{ topic, partition, offset }]` → KafkaJS's `[{ topic, partitions: [{ partition, offset }] }]`. */
function byTopicOffsets(list) {
  const topics = new Map()
  for (const { topic, partition, offset } of list) {
    if (!topics.has(topic)) topics.set(topic, [])
    topics.get(topic).push({ partition, offset: String(offset) })
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }))
}

/** `[{ topic, partitions: [..] }]` checked → [{ topic, partition }]. */
function topicPartitions(list, field, base = 0) {
  check.array(list, field)
  const out = []
  list.forEach((t, n) => {
    const i = base + n
    check.object(t, `${field}[${i}]`)
    const topic = check.string(t.topic, `${field}[${i}].topic`)
    check.array(t.partitions, `${field}[${i}].partitions`)
    t.partitions.forEach((p, j) => out.push({ topic, partition: check.int(p, `${field}[${i}].partitions[${j}]`, 0, 2 ** 31 - 1) }))
  })
  return out
}

class Consumer {
  #pairs
  #kafka
  #native = null
  #emitter = new EventEmitter()
  /** tp key → { topic, partition } currently assigned. */
  #assigned = new Map()
  #paused = new Set()
  /** Operations (seek, pause, resume) waiting to be applied, in order. */
  #ops = []
  /** tp keys with an operation queued: their records from the current poll are stale. */
  #touched = new Set()
  #idle = Promise.resolve()
  #running = false
  #loop = null
  #pollMs
  /** With a groupId: the subscription `run` joins with ({ topics, fromBeginning }), and the membership. */
  #groupId
  #subscription = null
  #joined = null
  #member = null
  /** A poll is in flight (holding the client): calls that need it queue behind it. */
  #polling = false
  /** tp key → { topic, partition, offset }: resolved (next offset) and not known to be committed. */
  #resolved = new Map()
  /** tp keys resolved since the last store into the core. */
  #unstored = new Set()
  /** tp key → the offset known to be committed. */
  #committedAt = new Map()
  #lastCommit = Date.now()

  constructor(kafka, pairs, maxWaitTimeInMs) {
    const group = pairs.filter(([k]) => k === 'group.id').pop()
    this.#groupId = group ? group[1] : undefined
    this.#kafka = kafka
    this.#pairs = pairs
    this.#pollMs = maxWaitTimeInMs === undefined ? 5000 : maxWaitTimeInMs
    this.events = EVENTS
  }

  #client() {
    if (!this.#native) throw stateError('the consumer is not connected: call connect() first')
    return this.#native
  }

  #emit(event, payload) {
    this.#emitter.emit(event, { type: event, timestamp: Date.now(), payload })
  }

  async connect() {
    if (this.#native) return
    this.#native = call(() => new native.Consumer(this.#pairs))
    this.#emit(EVENTS.CONNECT, null)
  }

  /**
   * kafkette's pre-groups extension: consume exactly these partitions, replacing
   * the assignment. Partitions already assigned keep their position; new ones
   * start at the beginning with `fromBeginning: true`, at the end with `false`,
   * else per `auto.offset.reset` (`config: { 'auto.offset.reset': 'earliest' }`; default latest).
   */
  async assign(list) {
    check.array(list, 'assign')
    const wanted = []
    list.forEach((t, i) => {
      const tps = topicPartitions([t], 'assign', i)
      if (t.fromBeginning !== undefined) check.bool(t.fromBeginning, `assign[${i}].fromBeginning`)
      for (const tp of tps) wanted.push({ ...tp, fromBeginning: t.fromBeginning })
    })
    await this.#setAssignment(wanted)
  }

  async #setAssignment(wanted) {
    const client = this.#client()
    const next = new Map()
    const request = []
    for (const { topic, partition, fromBeginning } of wanted) {
      const k = tpKey(topic, partition)
      if (next.has(k)) continue
      next.set(k, { topic, partition })
      const entry = { topic, partition }
      if (!this.#assigned.has(k) && fromBeginning !== undefined) entry.offset = fromBeginning ? OFFSET_BEGINNING : OFFSET_END
      request.push(entry)
    }
    await this.#idle
    await call(() => client.assign(request))
    this.#assigned = next
    for (const k of this.#paused) if (!next.has(k)) this.#paused.delete(k)
    client.wakeup()
  }

  /** The assigned partitions as [{ topic, partitions }]. */
  assignment() {
    const byTopic = new Map()
    for (const { topic, partition } of this.#assigned.values()) {
      if (!byTopic.has(topic)) byTopic.set(topic, [])
      byTopic.get(topic).push(partition)
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }))
  }

  /**
   * Without groups: assigns every partition of the topics (added to what is
   * assigned), from the beginning with `fromBeginning`, else from the end.
   * `topics` may hold RegExps, matched against the existing topics.
   */
  async subscribe({ topic, topics, fromBeginning = false } = {}) {
    const list = topics !== undefined ? check.array(topics, 'topics') : [topic]
    check.bool(fromBeginning, 'fromBeginning')
    if (this.#groupId !== undefined) {
      this.#client()
      if (this.#running || this.#joined) throw stateError('subscribe before run(): the group is already joined')
      list.forEach((t, i) => {
        if (!(t instanceof RegExp)) check.string(t, topics !== undefined ? `topics[${i}]` : 'topic')
      })
      const prev = this.#subscription || { topics: [], fromBeginning: false }
      this.#subscription = { topics: [...prev.topics, ...list], fromBeginning: prev.fromBeginning || fromBeginning }
      return
    }
    const admin = this.#kafka.admin()
    await admin.connect()
    try {
      const existing = await admin.listTopics()
      const names = new Set()
      list.forEach((t, i) => {
        if (t instanceof RegExp) existing.filter((n) => t.test(n)).forEach((n) => names.add(n))
        else names.add(check.string(t, topics !== undefined ? `topics[${i}]` : 'topic'))
      })
      const wanted = [...this.#assigned.values()]
      for (const name of names) {
        const offsets = await admin.fetchTopicOffsets(name)
        for (const { partition } of offsets) wanted.push({ topic: name, partition, fromBeginning })
      }
      await this.#setAssignment(wanted)
    } finally {
      await admin.disconnect()
    }
  }

  #assignedTp(topic, partition, field) {
    const k = tpKey(topic, partition)
    if (!this.#assigned.has(k)) {
      throw Object.assign(stateError(`${field}: partition ${topic}/${partition} is not assigned`, 'UNKNOWN_PARTITION_LOCAL'), { errorCode: -109 })
    }
    return k
  }

  #queue(keys, op) {
    for (const k of keys) this.#touched.add(k)
    this.#ops.push(op)
    if (this.#running) this.#native.wakeup()
    else this.#idle = this.#idle.then(() => this.#drain()).catch((e) => this.#emit(EVENTS.CRASH, { error: e }))
  }

  async #drain() {
    const ops = this.#ops
    this.#ops = []
    this.#touched.clear()
    for (const op of ops) await op()
  }

  /**
   * Move an assigned partition's position (offset as a string or number; -2 the
   * beginning, -1 the end). Applied before the next poll; returns at once as KafkaJS's does.
   */
  seek({ topic, partition, offset } = {}) {
    const client = this.#client()
    check.string(topic, 'topic')
    check.int(partition, 'partition', 0, 2 ** 31 - 1)
    const o = check.int(offset, 'offset', -2)
    const k = this.#assignedTp(topic, partition, 'seek')
    this.#queue([k], () => call(() => client.seek(topic, partition, o)))
  }

  #pauseOrResume(list, field, pause) {
    const client = this.#client()
    check.array(list, field)
    const tps = []
    list.forEach((t, i) => {
      check.object(t, `${field}[${i}]`)
      const topic = check.string(t.topic, `${field}[${i}].topic`)
      const partitions = t.partitions === undefined
        ? [...this.#assigned.values()].filter((a) => a.topic === topic).map((a) => a.partition)
        : topicPartitions([t], field, i).map((x) => x.partition)
      for (const partition of partitions) tps.push({ topic, partition })
    })
    const keys = tps.map(({ topic, partition }) => tpKey(topic, partition))
    for (const k of keys) (pause ? this.#paused.add(k) : this.#paused.delete(k))
    this.#queue(pause ? keys : [], () => call(() => (pause ? client.pause(tps) : client.resume(tps))))
  }

  /** Stop fetching these partitions (`[{ topic, partitions? }]`, all of the topic's when omitted). */
  pause(list) {
    this.#pauseOrResume(list, 'pause', true)
  }

  resume(list) {
    this.#pauseOrResume(list, 'resume', false)
  }

  paused() {
    const out = new Map()
    for (const k of this.#paused) {
      const [topic, partition] = k.split('\u0000')
      if (!out.has(topic)) out.set(topic, [])
      out.get(topic).push(Number(partition))
    }
    return [...out].map(([topic, partitions]) => ({ topic, partitions }))
  }

  /**
   * Start consuming: resolves once the loop runs (as KafkaJS's does). Handlers
   * are awaited one at a time; a handler that throws stops the loop with a
   * `consumer.crash` event, and its message is consumed again by the next `run`.
   */
  async run({ eachMessage, eachBatch, eachBatchAutoResolve = true, autoCommit, autoCommitInterval, autoCommitThreshold, partitionsConsumedConcurrently } = {}) {
    this.#client()
    if (this.#running) throw stateError('the consumer is already running')
    if (eachMessage === undefined && eachBatch === undefined) throw bad('run', 'expected eachMessage or eachBatch')
    if (eachMessage !== undefined) check.func(eachMessage, 'eachMessage')
    if (eachBatch !== undefined) check.func(eachBatch, 'eachBatch')
    check.bool(eachBatchAutoResolve, 'eachBatchAutoResolve')
    if (autoCommit !== undefined) check.bool(autoCommit, 'autoCommit')
    if (autoCommitInterval !== undefined && autoCommitInterval !== null) check.int(autoCommitInterval, 'autoCommitInterval', 1, 2 ** 31 - 1)
    if (autoCommitThreshold !== undefined && autoCommitThreshold !== null) throw bad('autoCommitThreshold', 'not supported; use autoCommitInterval')
    await this.#idle
    if (this.#subscription && !this.#joined) await this.#join({ autoCommit, autoCommitInterval })
    this.#running = true
    this.#loop = this.#runLoop({ eachMessage, eachBatch, eachBatchAutoResolve })
  }

  /**
   * A native consumer configured for the run (auto-commit, and `auto.offset.reset` from
   * `fromBeginning` unless the config sets it), subscribed: the group join starts.
   */
  async #join({ autoCommit = true, autoCommitInterval }) {
    const { topics, fromBeginning } = this.#subscription
    const extra = [['enable.auto.commit', String(autoCommit)], ['enable.auto.offset.store', 'false']]
    if (autoCommitInterval !== undefined && autoCommitInterval !== null) extra.push(['auto.commit.interval.ms', String(autoCommitInterval)])
    if (!this.#pairs.some(([k]) => k === 'auto.offset.reset')) extra.push(['auto.offset.reset', fromBeginning ? 'earliest' : 'latest'])
    const client = call(() => new native.Consumer([...extra, ...this.#pairs]))
    const old = this.#native
    this.#native = client
    await call(() => old.close(0)).catch(() => {})
    const names = topics.filter((t) => !(t instanceof RegExp))
    const res = topics.filter((t) => t instanceof RegExp)
    const pattern = res.length === 0 ? undefined : [...res.map(patternOf), ...names.map(literal)].join('|')
    await call(() => client.subscribe(pattern === undefined ? names : [], pattern))
    this.#joined = { autoCommit, autoCommitInterval: autoCommitInterval === undefined ? null : autoCommitInterval }
  }

  /** The next offset to consume of a partition is `next`: its records before are processed. */
  #resolve(topic, partition, next) {
    if (!this.#joined) return
    const k = tpKey(topic, partition)
    this.#resolved.set(k, { topic, partition, offset: next })
    this.#unstored.add(k)
  }

  /** Hand the offsets resolved since the last call to the core, for its commits. */
  async #storeResolved() {
    if (!this.#joined || this.#unstored.size === 0 || !this.#native) return
    const list = []
    for (const k of this.#unstored) {
      const r = this.#resolved.get(k)
      if (r && this.#assigned.has(k)) list.push({ topic: r.topic, partition: r.partition, offset: r.offset })
    }
    this.#unstored.clear()
    if (list.length === 0) return
    // A rebalance the core saw in a heartbeat may have taken a partition the loop has not heard
    // of yet: the others are stored all the same, and that one's offsets belong to its next owner.
    await call(() => this.#native.storeOffsets(list)).catch((e) => {
      if (e.code !== 'STATE') throw e
    })
  }

  #noteCommitted(list) {
    this.#lastCommit = Date.now()
    for (const { topic, partition, offset } of list) {
      const k = tpKey(topic, partition)
      this.#committedAt.set(k, Number(offset))
      const r = this.#resolved.get(k)
      if (r && r.offset <= Number(offset)) this.#resolved.delete(k)
    }
  }

  /**
   * KafkaJS's `uncommittedOffsets()`: resolved offsets not committed yet, as
   * `{ topics: [{ topic, partitions: [{ partition, offset }] }] }`.
   */
  uncommittedOffsets() {
    const topics = new Map()
    for (const [k, { topic, partition, offset }] of this.#resolved) {
      if (this.#committedAt.has(k) && this.#committedAt.get(k) >= offset) continue
      if (!topics.has(topic)) topics.set(topic, [])
      topics.get(topic).push({ partition, offset: String(offset) })
    }
    return { topics: [...topics].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a.partition - b.partition) })) }
  }

  /**
   * eachBatch's `commitOffsetsIfNecessary(offsets?)`: with offsets (`{ topics }`), commit them;
   * else, with autoCommit, commit the uncommitted resolved offsets when `autoCommitInterval`
   * has passed since the last commit (no interval: now). Without autoCommit: nothing.
   */
  async #commitIfNecessary(offsets) {
    if (offsets !== undefined && offsets !== null) {
      check.object(offsets, 'offsets')
      const list = []
      for (const [i, t] of check.array(offsets.topics, 'offsets.topics').entries()) {
        check.object(t, `offsets.topics[${i}]`)
        for (const [j, p] of check.array(t.partitions, `offsets.topics[${i}].partitions`).entries()) {
          check.object(p, `offsets.topics[${i}].partitions[${j}]`)
          list.push({ topic: t.topic, partition: p.partition, offset: p.offset })
        }
      }
      if (list.length > 0) await this.commitOffsets(list)
      return
    }
    if (!this.#joined || !this.#joined.autoCommit) return
    const interval = this.#joined.autoCommitInterval
    if (interval !== null && Date.now() < this.#lastCommit + interval) return
    const list = []
    for (const { topic, partitions } of this.uncommittedOffsets().topics) {
      for (const { partition, offset } of partitions) list.push({ topic, partition, offset })
    }
    if (list.length > 0) await this.commitOffsets(list)
  }

  /** eachMessage's and eachBatch's `heartbeat()`: store resolved offsets, then let the member heartbeat if due. */
  async #heartbeat() {
    if (!this.#joined || !this.#native) return
    const client = this.#native
    await this.#storeResolved()
    await call(() => client.heartbeat())
  }

  /** Apply the group events of one poll: the assignment, GROUP_JOIN and REBALANCING. */
  #groupEvents(events) {
    for (const e of events) {
      if (e.kind === 'rebalancing') {
        this.#emit(EVENTS.REBALANCING, { groupId: this.#groupId, memberId: this.#member ? this.#member.memberId : undefined })
      } else if (e.kind === 'joined') {
        this.#member = { memberId: e.memberId, isLeader: e.leader, groupProtocol: e.protocol, generationId: e.generationId, since: Date.now() }
      } else if (e.kind === 'assigned') {
        for (const { topic, partition } of e.partitions) this.#assigned.set(tpKey(topic, partition), { topic, partition })
        if (this.#member) {
          const memberAssignment = {}
          for (const { topic, partitions } of this.assignment()) memberAssignment[topic] = partitions
          const m = this.#member
          this.#emit(EVENTS.GROUP_JOIN, {
            duration: Date.now() - m.since,
            groupId: this.#groupId,
            isLeader: m.isLeader,
            leaderId: m.isLeader ? m.memberId : undefined,
            groupProtocol: m.groupProtocol,
            memberId: m.memberId,
            generationId: m.generationId,
            memberAssignment,
          })
        }
      } else if (e.kind === 'revoked' || e.kind === 'lost') {
        for (const { topic, partition } of e.partitions) {
          const k = tpKey(topic, partition)
          this.#assigned.delete(k)
          this.#paused.delete(k)
          this.#resolved.delete(k)
          this.#unstored.delete(k)
          this.#committedAt.delete(k)
        }
      } else if (e.kind === 'committed' && e.offsets) {
        this.#noteCommitted(e.offsets)
        this.#emit(EVENTS.COMMIT_OFFSETS, { groupId: this.#groupId, memberId: this.#member ? this.#member.memberId : undefined, topics: byTopicOffsets(e.offsets) })
      } else if (e.kind === 'commit_failed' && e.error) {
        this.#emit(EVENTS.COMMIT_OFFSETS, { groupId: this.#groupId, error: fromNative(e.error), topics: [] })
      }
    }
  }

  /** Run `fn` with the client free: at once, or (a poll in flight) right after the poll. */
  #exclusive(fn) {
    if (!this.#polling) return fn()
    return new Promise((resolve, reject) => {
      this.#ops.push(() => fn().then(resolve, reject))
      this.#native.wakeup()
    })
  }

  /**
   * KafkaJS's `commitOffsets([{ topic, partition, offset }])`: commit these offsets (each the
   * next offset to consume) for the group, and wait for the coordinator's answer.
   */
  async commitOffsets(list) {
    const client = this.#client()
    if (this.#groupId === undefined) throw stateError('commitOffsets needs a consumer groupId')
    check.array(list, 'commitOffsets')
    const offsets = list.map((o, i) => {
      check.object(o, `commitOffsets[${i}]`)
      const c = {
        topic: check.string(o.topic, `commitOffsets[${i}].topic`),
        partition: check.int(o.partition, `commitOffsets[${i}].partition`, 0, 2 ** 31 - 1),
        offset: check.int(o.offset, `commitOffsets[${i}].offset`, 0),
      }
      if (o.metadata !== undefined && o.metadata !== null) c.metadata = check.string(o.metadata, `commitOffsets[${i}].metadata`)
      return c
    })
    const done = await this.#exclusive(() => call(() => client.commit(offsets, COMMIT_TIMEOUT_MS)))
    this.#noteCommitted(done)
    this.#emit(EVENTS.COMMIT_OFFSETS, { groupId: this.#groupId, memberId: this.#member ? this.#member.memberId : undefined, topics: byTopicOffsets(done) })
  }

  /** kafkette's extension: the group's committed offsets of assigned (or given) partitions, as admin.fetchOffsets shapes them. */
  async committed(list) {
    const client = this.#client()
    const tps = list === undefined ? [...this.#assigned.values()] : topicPartitions(list, 'committed')
    const got = await this.#exclusive(() => call(() => client.committed(tps, COMMIT_TIMEOUT_MS)))
    return got.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset: offset === undefined || offset === null ? '-1' : String(offset), metadata: metadata === undefined ? null : metadata }))
  }

  /** Records from `next` on are not processed: fetch them again (unless a seek or pause already moved on). */
  #rewind(topic, partition, next) {
    const k = tpKey(topic, partition)
    if (this.#touched.has(k) || !this.#assigned.has(k)) return
    const client = this.#native
    this.#touched.add(k)
    this.#ops.push(() => call(() => client.seek(topic, partition, next)))
  }

  async #runLoop(handlers) {
    const client = this.#native
    try {
      while (this.#running) {
        await this.#drain()
        await this.#storeResolved()
        let polled
        try {
          this.#polling = true
          try {
            polled = await call(() => client.poll(this.#pollMs))
          } finally {
            this.#polling = false
          }
          if (polled.events.length > 0) {
            this.#groupEvents(polled.events)
            // Records of partitions revoked in the same poll belong to their next owner.
            if (this.#joined) polled.records = polled.records.filter((r) => this.#assigned.has(tpKey(r.topic, r.partition)))
          }
        } catch (e) {
          if (e.retriable && this.#running) {
            await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS))
            continue
          }
          throw e
        }
        await this.#process(polled, handlers)
      }
    } catch (error) {
      this.#running = false
      this.#emit(EVENTS.CRASH, { error, groupId: this.#groupId, restart: false })
    } finally {
      this.#running = false
      await this.#drain().catch((error) => this.#emit(EVENTS.CRASH, { error }))
      await this.#storeResolved().catch((error) => this.#emit(EVENTS.CRASH, { error }))
    }
  }

  async #process(polled, { eachMessage, eachBatch, eachBatchAutoResolve }) {
    const hw = new Map(polled.partitions.map((p) => [tpKey(p.topic, p.partition), p.highWatermark]))
    const batches = new Map()
    for (const r of polled.records) {
      const k = tpKey(r.topic, r.partition)
      if (!batches.has(k)) batches.set(k, { topic: r.topic, partition: r.partition, records: [] })
      batches.get(k).records.push(r)
    }
    let failure = null
    for (const [k, { topic, partition, records }] of batches) {
      if (failure || !this.#running || this.#touched.has(k)) {
        this.#rewind(topic, partition, records[0].offset)
        continue
      }
      const high = hw.get(k) ?? records[records.length - 1].offset + 1
      const batch = new Batch(topic, partition, high, records.map(toMessage))
      this.#emit(EVENTS.START_BATCH_PROCESS, { topic, partition, highWatermark: batch.highWatermark, offsetLag: batch.offsetLag(), batchSize: records.length, firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset() })
      let next = records[0].offset
      try {
        if (eachBatch) {
          await eachBatch({
            batch,
            // KafkaJS: the offset is processed; the partition goes on (and commits) from the next.
            resolveOffset: (o) => {
              next = Number(o) + 1
              this.#resolve(topic, partition, next)
            },
            heartbeat: () => this.#heartbeat(),
            commitOffsetsIfNecessary: (offsets) => this.#commitIfNecessary(offsets),
            uncommittedOffsets: () => this.uncommittedOffsets(),
            isRunning: () => this.#running,
            isStale: () => this.#touched.has(k),
            pause: () => { this.pause([{ topic, partitions: [partition] }]); return () => this.resume([{ topic, partitions: [partition] }]) },
          })
          if (eachBatchAutoResolve) {
            next = records[records.length - 1].offset + 1
            this.#resolve(topic, partition, next)
          }
        } else {
          for (const r of records) {
            if (!this.#running || this.#touched.has(k)) break
            await eachMessage({
              topic,
              partition,
              message: toMessage(r),
              heartbeat: () => this.#heartbeat(),
              pause: () => { this.pause([{ topic, partitions: [partition] }]); return () => this.resume([{ topic, partitions: [partition] }]) },
            })
            next = r.offset + 1
            this.#resolve(topic, partition, next)
          }
        }
      } catch (e) {
        failure = e
      }
      if (next <= records[records.length - 1].offset) this.#rewind(topic, partition, next)
      this.#emit(EVENTS.END_BATCH_PROCESS, { topic, partition, batchSize: records.length })
    }
    if (failure) throw failure
  }

  /** Stop the loop after the message in progress; resolves when it has stopped. */
  async stop() {
    const loop = this.#loop
    if (this.#running) {
      this.#running = false
      if (this.#native) this.#native.wakeup()
    }
    this.#loop = null
    if (loop) {
      await loop
      this.#emit(EVENTS.STOP, null)
    }
  }

  async disconnect() {
    await this.stop()
    await this.#idle
    const client = this.#native
    this.#native = null
    this.#assigned.clear()
    this.#paused.clear()
    this.#subscription = null
    this.#joined = null
    this.#member = null
    this.#resolved.clear()
    this.#unstored.clear()
    this.#committedAt.clear()
    if (client) {
      // Leaves the group (committing first with auto-commit) so the others rebalance at once.
      await call(() => client.close(CLOSE_TIMEOUT_MS))
      this.#emit(EVENTS.DISCONNECT, null)
    }
  }

  /** Listen to one of `consumer.events`; returns a function that removes the listener. */
  on(event, listener) {
    if (!Object.values(EVENTS).includes(event)) throw bad('event', `expected one of ${Object.values(EVENTS).join(', ')}, got ${describe(event)}`)
    check.func(listener, 'listener')
    this.#emitter.on(event, listener)
    return () => this.#emitter.off(event, listener)
  }
}

module.exports = { Consumer, headersObject, fromNative }
