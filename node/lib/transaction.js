'use strict'
// KafkaJS's transaction: `const txn = await producer.transaction()`, then
// send / sendBatch / sendOffsets, and commit or abort. One at a time per producer;
// errors carry `retriable`, `fatal` and `txnRequiresAbort` (abort, then start again).

const { call, stateError } = require('./errors')
const { bad, check } = require('./config')

const TXN_TIMEOUT_MS = 30000

/** `[{ topic, partitions: [{ partition, offset, metadata? }] }]` → [{ topic, partition, offset, metadata? }]. */
function txnOffsets(topics, field) {
  check.array(topics, field)
  const out = []
  topics.forEach((t, i) => {
    check.object(t, `${field}[${i}]`)
    const topic = check.string(t.topic, `${field}[${i}].topic`)
    check.array(t.partitions, `${field}[${i}].partitions`)
    t.partitions.forEach((p, j) => {
      const f = `${field}[${i}].partitions[${j}]`
      check.object(p, f)
      const o = {
        topic,
        partition: check.int(p.partition, `${f}.partition`, 0, 2 ** 31 - 1),
        offset: check.int(p.offset, `${f}.offset`, 0),
      }
      if (p.metadata !== undefined && p.metadata !== null) {
        if (typeof p.metadata !== 'string') throw bad(`${f}.metadata`, 'expected a string')
        o.metadata = p.metadata
      }
      out.push(o)
    })
  })
  return out
}

class Transaction {
  #native
  #producer
  #finished
  #active = true

  /** Made by `Producer.transaction()`; `finished` tells the producer the transaction ended. */
  constructor(producer, native, finished) {
    this.#producer = producer
    this.#native = native
    this.#finished = finished
  }

  #check(what) {
    if (!this.#active) throw stateError(`${what}: the transaction is no longer active (committed or aborted)`)
  }

  /** KafkaJS's `send({ topic, messages, timeout })` inside the transaction → RecordMetadata[]. */
  async send(req) {
    this.#check('send')
    return this.#producer._sendInTransaction(this.#native, req, false)
  }

  async sendBatch(req) {
    this.#check('sendBatch')
    return this.#producer._sendInTransaction(this.#native, req, true)
  }

  /**
   * Commit a consumer group's offsets with the transaction (consume-transform-produce):
   * `{ consumerGroupId, topics: [{ topic, partitions: [{ partition, offset }] }] }`,
   * each offset the next one to consume.
   */
  async sendOffsets(req) {
    this.#check('sendOffsets')
    check.object(req, 'sendOffsets')
    const group = check.string(req.consumerGroupId, 'consumerGroupId')
    const offsets = txnOffsets(req.topics, 'topics')
    await call(() => this.#native.sendOffsetsToTransaction(group, offsets, TXN_TIMEOUT_MS))
  }

  async #end(commit) {
    this.#check(commit ? 'commit' : 'abort')
    await call(() => (commit ? this.#native.commitTransaction(TXN_TIMEOUT_MS) : this.#native.abortTransaction(TXN_TIMEOUT_MS)))
    this.#active = false
    this.#finished()
  }

  /** Send everything of the transaction and commit it. On an error with `txnRequiresAbort`, call `abort()`. */
  async commit() {
    return this.#end(true)
  }

  /** Abort: read_committed consumers never see the transaction's records. */
  async abort() {
    return this.#end(false)
  }

  isActive() {
    return this.#active
  }
}

module.exports = { Transaction, txnOffsets }
