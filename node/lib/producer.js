'use strict'
// KafkaJS's producer: connect, send, sendBatch, disconnect, events.
//
// KafkaJS chooses acks and compression per send; the core chooses them per
// producer. So each (acks, compression) a send asks for gets its own native
// producer, created on first use (most applications use one).

const { EventEmitter } = require('node:events')
const native = require('../native')
const { call, stateError } = require('./errors')
const { bad, check, describe, acksValue, compressionType } = require('./config')
const { Transaction } = require('./transaction')

const EVENTS = Object.freeze({ CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' })

function toBuffer(v, field, nullable = true) {
  if (Buffer.isBuffer(v)) return v
  if (typeof v === 'string') return Buffer.from(v)
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  if (v === null && nullable) return null
  throw bad(field, `expected a string, Buffer or null, got ${describe(v)}`)
}

/** KafkaJS's header object ({ k: v | [v1, v2] }) → [{ key, value }] in order. */
function toHeaders(headers, field) {
  if (headers === undefined || headers === null) return undefined
  check.object(headers, field)
  const out = []
  for (const [key, v] of Object.entries(headers)) {
    const values = Array.isArray(v) ? v : [v]
    values.forEach((x, i) => {
      if (x === undefined) return
      const value = toBuffer(x, Array.isArray(v) ? `${field}.${key}[${i}]` : `${field}.${key}`)
      out.push(value === null ? { key } : { key, value })
    })
  }
  return out
}

function toRecord(topic, m, field) {
  check.object(m, field)
  if (m.value === undefined) throw bad(`${field}.value`, 'a message needs a value (null for a tombstone)')
  // Absent rather than null: napi's object fields read `undefined` as None.
  const record = { topic }
  const value = toBuffer(m.value, `${field}.value`)
  if (value !== null) record.value = value
  if (m.key !== undefined && m.key !== null) record.key = toBuffer(m.key, `${field}.key`)
  if (m.partition !== undefined && m.partition !== null) record.partition = check.int(m.partition, `${field}.partition`, 0, 2 ** 31 - 1)
  if (m.timestamp !== undefined && m.timestamp !== null) record.timestamp = check.int(m.timestamp, `${field}.timestamp`, 0)
  const headers = toHeaders(m.headers, `${field}.headers`)
  if (headers) record.headers = headers
  return record
}

/** One RecordMetadata per partition written, in order of first appearance (KafkaJS's shape). */
function recordMetadata(deliveries) {
  const byPartition = new Map()
  for (const d of deliveries) {
    const k = `${d.topic}\u0000${d.partition}`
    const seen = byPartition.get(k)
    if (!seen) {
      byPartition.set(k, { topicName: d.topic, partition: d.partition, errorCode: 0, base: d.offset })
    } else if (d.offset >= 0 && (seen.base < 0 || d.offset < seen.base)) {
      seen.base = d.offset
    }
  }
  // logAppendTime and logStartOffset are not in the core's delivery reports yet: '-1' (KafkaJS's "unknown").
  return [...byPartition.values()].map(({ topicName, partition, errorCode, base }) => ({
    topicName,
    partition,
    errorCode,
    baseOffset: String(base),
    logAppendTime: '-1',
    logStartOffset: '-1',
  }))
}

function sendRecords(req) {
  check.object(req, 'send')
  const topic = check.string(req.topic, 'topic')
  check.array(req.messages, 'messages')
  return req.messages.map((m, i) => toRecord(topic, m, `messages[${i}]`))
}

function batchRecords(req) {
  check.object(req, 'sendBatch')
  check.array(req.topicMessages, 'topicMessages')
  const records = []
  req.topicMessages.forEach((tm, t) => {
    check.object(tm, `topicMessages[${t}]`)
    const topic = check.string(tm.topic, `topicMessages[${t}].topic`)
    check.array(tm.messages, `topicMessages[${t}].messages`)
    tm.messages.forEach((m, i) => records.push(toRecord(topic, m, `topicMessages[${t}].messages[${i}]`)))
  })
  return records
}

class Producer {
  #pairs
  #variants = new Map()
  #connected = false
  #emitter = new EventEmitter()
  /** The transaction in progress, if any; `#txnReady` once initTransactions succeeded. */
  #txn = null
  #txnReady = false

  constructor(pairs) {
    this.#pairs = pairs
    this.events = EVENTS
  }

  #native(acks, compression) {
    const extra = []
    if (acks !== undefined) extra.push(['acks', acksValue(acks, 'acks')])
    if (compression !== undefined) extra.push(['compression.type', compressionType(compression, 'compression')])
    const key = extra.map((p) => p[1]).join('|')
    let p = this.#variants.get(key)
    if (!p) {
      p = call(() => new native.Producer([...this.#pairs, ...extra]))
      this.#variants.set(key, p)
    }
    return p
  }

  /** Validates the configuration (errors name the property) and makes `send` available. */
  async connect() {
    this.#native(undefined, undefined)
    this.#connected = true
    this.#emitter.emit(EVENTS.CONNECT, { type: EVENTS.CONNECT, timestamp: Date.now(), payload: null })
  }

  #transactionalId() {
    const p = this.#pairs.filter(([k]) => k === 'transactional.id').pop()
    return p ? p[1] : undefined
  }

  async #sendRecords(records, { acks, timeout = 30000, compression }) {
    if (!this.#connected) throw stateError('the producer is not connected: call connect() first')
    if (this.#transactionalId() !== undefined) {
      throw stateError('a transactional producer sends inside a transaction: `const txn = await producer.transaction(); await txn.send(...)`')
    }
    check.int(timeout, 'timeout', 0, 2 ** 32 - 1)
    const deliveries = await call(() => this.#native(acks, compression).send(records, timeout))
    return recordMetadata(deliveries)
  }

  /** KafkaJS's `send({ topic, messages, acks, timeout, compression })` → RecordMetadata[]. */
  async send(req) {
    return this.#sendRecords(sendRecords(req), req)
  }

  /** KafkaJS's `sendBatch({ topicMessages: [{ topic, messages }], acks, timeout, compression })`. */
  async sendBatch(req) {
    return this.#sendRecords(batchRecords(req), req)
  }

  /**
   * KafkaJS's `producer.transaction()`: registers `transactionalId` on first use (fencing
   * older producers with the same id), begins a transaction and returns it.
   */
  async transaction() {
    if (!this.#connected) throw stateError('the producer is not connected: call connect() first')
    if (this.#transactionalId() === undefined) throw bad('producer.transactionalId', 'transactions need a transactionalId')
    if (this.#txn) throw stateError('there is already an ongoing transaction for this producer')
    const native = this.#native(undefined, undefined)
    if (!this.#txnReady) {
      await call(() => native.initTransactions(30000))
      this.#txnReady = true
    }
    await call(() => native.beginTransaction())
    const txn = new Transaction(this, native, () => {
      if (this.#txn === txn) this.#txn = null
    })
    this.#txn = txn
    return txn
  }

  /** Used by Transaction: one native producer carries the whole transaction (acks all). */
  async _sendInTransaction(native, req, batch) {
    const records = batch ? batchRecords(req) : sendRecords(req)
    if (req.acks !== undefined && req.acks !== -1) throw bad('acks', 'a transaction writes with acks -1 (all)')
    if (req.compression !== undefined && req.compression !== 0) {
      throw bad('compression', "set compression for a transactional producer with config: { 'compression.type': ... }")
    }
    const timeout = check.int(req.timeout === undefined ? 30000 : req.timeout, 'timeout', 0, 2 ** 32 - 1)
    return recordMetadata(await call(() => native.send(records, timeout)))
  }

  /** Delivers what is queued, then closes every native producer. */
  async disconnect() {
    const variants = [...this.#variants.values()]
    this.#variants.clear()
    const wasConnected = this.#connected
    this.#connected = false
    this.#txn = null
    this.#txnReady = false
    await Promise.all(variants.map((p) => call(() => p.close(30000))))
    if (wasConnected) this.#emitter.emit(EVENTS.DISCONNECT, { type: EVENTS.DISCONNECT, timestamp: Date.now(), payload: null })
  }

  isIdempotent() {
    return !this.#pairs.some(([k, v]) => k === 'enable.idempotence' && v === 'false')
  }

  /** Listen to `producer.connect` / `producer.disconnect`; returns a function that removes the listener. */
  on(event, listener) {
    if (!Object.values(EVENTS).includes(event)) throw bad('event', `expected one of ${Object.values(EVENTS).join(', ')}, got ${describe(event)}`)
    check.func(listener, 'listener')
    this.#emitter.on(event, listener)
    return () => this.#emitter.off(event, listener)
  }
}

module.exports = { Producer, toBuffer }
