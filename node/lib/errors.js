'use strict'
// KafkaJS's error classes, with kafkette's stable fields on every error:
//   code: the Kafka (or kafkette local) error name, e.g. 'TOPIC_ALREADY_EXISTS'
//   errorCode: its number (36); local codes are -100 and below
//   type: the same as code (KafkaJS's protocol errors call it `type`)
//   retriable, fatal, txnRequiresAbort
// Match on these fields, never on message text.

const MARK = 'KAFKETTE\u001f'

class KafkaJSError extends Error {
  constructor(e, { retriable = true, cause, code = 'UNKNOWN', errorCode = -1, fatal = false, txnRequiresAbort = false } = {}) {
    super(typeof e === 'string' ? e : e && e.message)
    this.name = this.constructor.name
    this.retriable = retriable
    this.fatal = fatal
    this.txnRequiresAbort = txnRequiresAbort
    this.code = code
    this.type = code
    this.errorCode = errorCode
    this.helpUrl = undefined
    if (cause !== undefined) this.cause = cause
  }
}

class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e, opts = {}) {
    super(e, { ...opts, retriable: false })
  }
}

/** An error code a broker (or the protocol) reported. */
class KafkaJSProtocolError extends KafkaJSError {}

class KafkaJSTimeout extends KafkaJSError {}

class KafkaJSConnectionError extends KafkaJSError {}

/** Several errors at once (one per topic of a CreateTopics, say); `code` is the first one's. */
class KafkaJSAggregateError extends KafkaJSError {
  constructor(message, errors) {
    const first = errors[0] || {}
    super(message, {
      retriable: errors.every((e) => e.retriable),
      fatal: errors.some((e) => e.fatal),
      txnRequiresAbort: errors.some((e) => e.txnRequiresAbort),
      code: first.code,
      errorCode: first.errorCode,
    })
    this.errors = errors
  }
}

/**
 * A bad argument or configuration value (kafkette's, where KafkaJS would misbehave later):
 * a TypeError naming the field, with the same fields as every kafkette error.
 */
class KafkaJSInvalidArgumentError extends TypeError {
  constructor(message, { field, code = 'INVALID_ARG', errorCode = -101 } = {}) {
    super(message)
    this.name = 'KafkaJSInvalidArgumentError'
    this.field = field
    this.code = code
    this.type = code
    this.errorCode = errorCode
    this.retriable = false
    this.fatal = false
    this.txnRequiresAbort = false
  }
}

const TIMEOUTS = new Set(['TIMED_OUT', 'MSG_TIMED_OUT', 'REQUEST_TIMED_OUT'])
const CONNECTION = new Set(['TRANSPORT', 'NETWORK_EXCEPTION'])

/** The error for one error description `{ code, errorCode, message, retriable, fatal, txnRequiresAbort }`. */
function fromInfo(info, extra = {}) {
  const { code, errorCode, message } = info
  if (code === 'INVALID_ARG' || code === 'INVALID_CONFIG_LOCAL') {
    const m = /configuration `([^`]*)`/.exec(message)
    return Object.assign(new KafkaJSInvalidArgumentError(message, { field: m ? m[1] : undefined, code, errorCode }), extra)
  }
  const opts = {
    code,
    errorCode,
    retriable: !!info.retriable,
    fatal: !!info.fatal,
    txnRequiresAbort: !!info.txnRequiresAbort,
  }
  let err
  if (TIMEOUTS.has(code)) err = new KafkaJSTimeout(message, opts)
  else if (CONNECTION.has(code)) err = new KafkaJSConnectionError(message, opts)
  else if (errorCode > 0 || errorCode === -1) err = new KafkaJSProtocolError(message, opts)
  else err = new KafkaJSError(message, opts)
  return Object.assign(err, extra)
}

/** Convert what the native module threw (or rejected with) into kafkette's error classes. */
function fromNative(e) {
  if (e && typeof e.message === 'string' && e.message.startsWith(MARK)) {
    const [code, number, flags, ...rest] = e.message.slice(MARK.length).split('\u001f')
    return fromInfo({
      code,
      errorCode: Number(number),
      retriable: flags[0] === '1',
      fatal: flags[1] === '1',
      txnRequiresAbort: flags[2] === '1',
      message: rest.join('\u001f'),
    })
  }
  if (e instanceof KafkaJSError || e instanceof KafkaJSInvalidArgumentError) return e
  // napi's own argument conversion (a string where a number was expected...).
  if (e && typeof e.code === 'string' && /Expected|InvalidArg/.test(e.code)) {
    return new KafkaJSInvalidArgumentError(e.message)
  }
  return new KafkaJSNonRetriableError(e && e.message ? e.message : String(e), { code: 'INTERNAL', errorCode: -112, cause: e })
}

/** Run a native call, converting its failures (sync or async). */
function call(fn) {
  let result
  try {
    result = fn()
  } catch (e) {
    throw fromNative(e)
  }
  if (result && typeof result.then === 'function') {
    return result.catch((e) => {
      throw fromNative(e)
    })
  }
  return result
}

/** A kafkette-side state error (used out of order, or after disconnect). */
function stateError(message, code = 'STATE') {
  return new KafkaJSNonRetriableError(message, { code, errorCode: code === 'DESTROYED' ? -105 : -108 })
}

module.exports = {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSTimeout,
  KafkaJSConnectionError,
  KafkaJSAggregateError,
  KafkaJSInvalidArgumentError,
  fromInfo,
  fromNative,
  call,
  stateError,
}
