//! `kft_producer`: sends records and serves their delivery reports, in the
//! shape of librdkafka's producer (`produce`, `poll` serving a delivery-report
//! callback, `flush`). The core's blocking in-process producer does the work;
//! this file keeps, per record in flight, the caller's opaque pointer and
//! builds the C reports.

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use kafkette::local::Producer;
use kafkette::producer::{ProducerEvent, ProducerRecord};
use kafkette::record::RecordHeader;

use crate::args::{arg_bytes, arg_out, arg_ref, arg_slice, arg_str, timeout_from_ms};
use crate::conf::{kft_conf, required_pairs};
use crate::message::kft_header;
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result, FfiError, FfiResult, KFT_OK};

/// `kft_producer_send` partition: let the partitioner choose (key hash, else sticky).
pub const KFT_PARTITION_ANY: i32 = -1;
/// `kft_producer_send` timestamp: use the time of the call.
pub const KFT_TIMESTAMP_NOW: i64 = -1;

/// Topic names kept as C strings for reports; past this many the cache starts over.
const TOPIC_CACHE_MAX: usize = 1024;

/// The outcome of one `kft_producer_send`, passed to the delivery callback.
/// Every pointer in it is valid only during the callback.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct kft_delivery_report {
    /// The id `kft_producer_send` gave the record (increasing from 0 per producer).
    pub delivery_id: u64,
    /// The `opaque` pointer given to `kft_producer_send`, untouched.
    pub opaque: *mut c_void,
    /// The record's topic.
    pub topic: *const c_char,
    /// The partition written to; on failure the partition asked for (-1 if the partitioner was to choose).
    pub partition: i32,
    /// The record's offset; -1 on failure and with `acks=0` (the broker does not say).
    pub offset: i64,
    /// The broker's LogAppendTime if the topic uses it, else the record's timestamp; -1 on failure.
    pub timestamp: i64,
    /// `KFT_OK`, or why the record was not delivered.
    pub error: kft_result,
    /// NULL on success, else the message naming the problem.
    pub error_message: *const c_char,
    /// On failure: whether sending the record again may succeed.
    pub retriable: bool,
    /// On failure: whether the producer can make no further progress (destroy it).
    pub fatal: bool,
}

/// A delivery-report callback: `report` is valid only during the call; `cb_arg` is
/// the pointer given to `kft_producer_poll`. It may call any `kft_` function,
/// this producer's included.
#[allow(non_camel_case_types)]
pub type kft_delivery_cb = Option<unsafe extern "C" fn(report: *const kft_delivery_report, cb_arg: *mut c_void)>;

/// What the producer remembers of a record until its report is served.
struct Pending {
    opaque: usize,
    topic: Arc<CStr>,
    partition: i32,
}

pub(crate) struct Inner {
    pub producer: Producer,
    pending: HashMap<u64, Pending>,
    topics: HashMap<String, Arc<CStr>>,
}

impl Inner {
    fn topic(&mut self, name: &str) -> Arc<CStr> {
        if let Some(t) = self.topics.get(name) {
            return t.clone();
        }
        if self.topics.len() >= TOPIC_CACHE_MAX {
            self.topics.clear();
        }
        let t: Arc<CStr> = Arc::from(c_string_lossy(name));
        self.topics.insert(name.to_string(), t.clone());
        t
    }
}

/// A producer. Opaque; create with `kft_producer_new`, free with
/// `kft_producer_destroy`. Thread-safe: calls on one producer are serialized
/// (a `kft_producer_poll` that waits holds off the others until it returns).
#[allow(non_camel_case_types)]
pub struct kft_producer {
    inner: Mutex<Inner>,
}

impl kft_producer {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A report with the storage its C pointers point into.
struct OwnedReport {
    report: kft_delivery_report,
    _topic: Arc<CStr>,
    _message: Option<CString>,
}

fn owned_report(inner: &mut Inner, event: ProducerEvent) -> OwnedReport {
    let ProducerEvent::Delivery { id, result } = event;
    let pending = inner.pending.remove(&id);
    let (opaque, asked) = pending.as_ref().map_or((0, -1), |p| (p.opaque, p.partition));
    let (topic, partition, offset, timestamp, error, message) = match result {
        Ok(md) => (inner.topic(&md.topic), md.partition, md.offset, md.timestamp, None, None),
        Err(e) => {
            let topic = pending.map_or_else(|| Arc::from(c""), |p| p.topic);
            let message = c_string_lossy(e.message());
            (topic, asked, -1, -1, Some(FfiError::from(e)), Some(message))
        }
    };
    let report = kft_delivery_report {
        delivery_id: id,
        opaque: opaque as *mut c_void,
        topic: topic.as_ptr(),
        partition,
        offset,
        timestamp,
        error: error.as_ref().map_or(KFT_OK, |e| e.code),
        error_message: message.as_ref().map_or(std::ptr::null(), |m| m.as_ptr()),
        retriable: error.as_ref().is_some_and(|e| e.retriable),
        fatal: error.as_ref().is_some_and(|e| e.fatal),
    };
    OwnedReport { report, _topic: topic, _message: message }
}

/// Create a producer from Kafka producer properties (`bootstrap.servers` naming a
/// running `kft_cluster`, `acks`, `linger.ms`, `enable.idempotence`, ...).
///
/// Ownership: `conf` is only read (the caller still owns it). On `KFT_OK`, `*out` is
/// a new producer the caller owns and frees with `kft_producer_destroy`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_INVALID_CONFIG_LOCAL` (an
/// unknown key or a bad value, named in the message; or no in-process cluster at
/// `bootstrap.servers`).
///
/// # Safety
/// `conf` is NULL or a live conf; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_new(conf: *const kft_conf, out: *mut *mut kft_producer) -> kft_result {
    ffi_boundary!({
        // SAFETY: conf is NULL or live and out NULL or writable, per the contract.
        let (pairs, out) = unsafe { (required_pairs(conf)?, arg_out(out, "out")?) };
        let producer = Producer::new(pairs)?;
        let inner = Inner { producer, pending: HashMap::new(), topics: HashMap::new() };
        *out = Box::into_raw(Box::new(kft_producer { inner: Mutex::new(inner) }));
        Ok(())
    })
}

/// Copy C headers into record headers; keys must be UTF-8.
///
/// # Safety
/// Every pointer in `headers` is NULL or valid for its length.
unsafe fn record_headers(headers: &[kft_header]) -> FfiResult<Vec<RecordHeader>> {
    let mut out = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let (key_name, value_name) = (format!("headers[{i}].key"), format!("headers[{i}].value"));
        // SAFETY: the caller promises each pointer is NULL or valid for its length.
        let (key, value) =
            unsafe { (arg_bytes(h.key.cast(), h.key_len, &key_name)?, arg_bytes(h.value, h.value_len, &value_name)?) };
        let key = key.unwrap_or_default();
        std::str::from_utf8(key).map_err(|e| FfiError::utf8(&key_name, e))?;
        out.push(RecordHeader { key: Bytes::copy_from_slice(key), value: value.map(Bytes::copy_from_slice) });
    }
    Ok(out)
}

/// Enqueue a record for `topic`; its delivery report comes from `kft_producer_poll`.
///
/// `partition` is a partition number or `KFT_PARTITION_ANY`. `key`/`value` are
/// `key_len`/`value_len` bytes; NULL with length 0 is a null key (or a null value:
/// a tombstone), a non-NULL pointer with length 0 an empty one. `headers` is an
/// array of `header_count` headers (NULL if 0). `timestamp_ms` is milliseconds
/// since the epoch or `KFT_TIMESTAMP_NOW`. `opaque` is handed back untouched in the
/// record's report. `*delivery_id_out` (if not NULL) receives the record's id.
///
/// Ownership: all bytes are copied; the caller keeps its buffers.
/// Returns `KFT_OK` (the record will get exactly one report), or with no report:
/// `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8` (topic or a header key),
/// `KFT_ERR_INVALID_ARG` (empty topic, partition below -1, negative timestamp other
/// than `KFT_TIMESTAMP_NOW`, NULL with a length), `KFT_ERR_QUEUE_FULL` (poll, then send
/// again), `KFT_ERR_MESSAGE_TOO_LARGE`, `KFT_ERR_UNKNOWN_PARTITION_LOCAL` (the topic
/// has no such partition), or an error the topic's metadata lookup failed with.
/// Thread-safe.
///
/// # Safety
/// `producer` is NULL or live; `topic` is NULL or NUL-terminated; `key`, `value` and
/// each header's pointers are NULL or valid for their lengths; `headers` is NULL or
/// points to `header_count` headers; `delivery_id_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_send(
    producer: *mut kft_producer,
    topic: *const c_char,
    partition: i32,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    headers: *const kft_header,
    header_count: usize,
    timestamp_ms: i64,
    opaque: *mut c_void,
    delivery_id_out: *mut u64,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: every pointer is NULL or valid as the contract states.
        let (producer, topic, key, value, headers) = unsafe {
            (
                arg_ref(producer, "producer")?,
                arg_str(topic, "topic")?,
                arg_bytes(key, key_len, "key")?,
                arg_bytes(value, value_len, "value")?,
                record_headers(arg_slice(headers, header_count, "headers")?)?,
            )
        };
        if partition < KFT_PARTITION_ANY {
            return Err(FfiError::invalid_arg(format!("partition {partition} is invalid (use KFT_PARTITION_ANY)")));
        }
        if timestamp_ms < 0 && timestamp_ms != KFT_TIMESTAMP_NOW {
            return Err(FfiError::invalid_arg(format!("timestamp {timestamp_ms} is invalid (use KFT_TIMESTAMP_NOW)")));
        }
        let record = ProducerRecord {
            topic: topic.to_string(),
            partition: (partition >= 0).then_some(partition),
            key: key.map(Bytes::copy_from_slice),
            value: value.map(Bytes::copy_from_slice),
            headers,
            timestamp: (timestamp_ms >= 0).then_some(timestamp_ms),
        };
        let mut inner = producer.lock();
        let id = inner.producer.send(record)?;
        let topic = inner.topic(topic);
        inner.pending.insert(id, Pending { opaque: opaque as usize, topic, partition });
        drop(inner);
        if !delivery_id_out.is_null() {
            // SAFETY: delivery_id_out is non-NULL and writable, per the contract.
            unsafe { *delivery_id_out = id };
        }
        Ok(())
    })
}

/// Wait up to `timeout_ms` (negative: no limit, 0: do not wait) for delivery reports
/// and call `cb` once per report, in this thread, after the producer's lock is
/// released. Returns as soon as at least one report was served, or when nothing is
/// outstanding. A NULL `cb` discards the reports. `*served_out` (if not NULL)
/// receives the number of reports served.
///
/// Returns `KFT_OK` (also when no report came in time) or `KFT_ERR_NULL_POINTER`.
/// A failed delivery is reported in its report, not in the result. Thread-safe.
///
/// # Safety
/// `producer` is NULL or live; `cb` is NULL or a function safe to call with
/// `cb_arg`; `served_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_poll(
    producer: *mut kft_producer,
    timeout_ms: i32,
    cb: kft_delivery_cb,
    cb_arg: *mut c_void,
    served_out: *mut usize,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: producer is NULL or live, per the contract.
        let producer = unsafe { arg_ref(producer, "producer") }?;
        let reports: Vec<OwnedReport> = {
            let mut inner = producer.lock();
            let events = inner.producer.poll(timeout_from_ms(timeout_ms));
            events.into_iter().map(|e| owned_report(&mut inner, e)).collect()
        };
        if let Some(cb) = cb {
            for r in &reports {
                // SAFETY: the caller promises cb is safe to call with cb_arg; the report outlives the call.
                unsafe { cb(&r.report, cb_arg) };
            }
        }
        if !served_out.is_null() {
            // SAFETY: served_out is non-NULL and writable, per the contract.
            unsafe { *served_out = reports.len() };
        }
        Ok(())
    })
}

/// Send everything queued now (ignoring `linger.ms`) and wait up to `timeout_ms`
/// (negative: no limit) until every record is acknowledged or failed. The reports
/// are kept for `kft_producer_poll`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_TIMED_OUT` (records still
/// outstanding; the message says how many). Thread-safe.
///
/// # Safety
/// `producer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_flush(producer: *mut kft_producer, timeout_ms: i32) -> kft_result {
    ffi_boundary!({
        // SAFETY: producer is NULL or live, per the contract.
        let producer = unsafe { arg_ref(producer, "producer") }?;
        producer.lock().producer.flush(timeout_from_ms(timeout_ms))?;
        Ok(())
    })
}

/// The number of records sent whose report `kft_producer_poll` has not served yet,
/// or 0 if `producer` is NULL. Thread-safe.
///
/// # Safety
/// `producer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_outstanding(producer: *const kft_producer) -> usize {
    // SAFETY: producer is NULL or live, per the contract.
    ffi_value!(0, unsafe { producer.as_ref() }.map_or(0, |p| p.lock().pending.len()))
}

/// Free a producer. NULL is ignored. Records not yet delivered are dropped without
/// reports: call `kft_producer_flush` and `kft_producer_poll` first to keep them.
///
/// # Safety
/// `producer` is NULL or a live producer from `kft_producer_new`, not in use by
/// another thread and never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_destroy(producer: *mut kft_producer) {
    ffi_value!((), {
        if !producer.is_null() {
            // SAFETY: producer came from Box::into_raw in kft_producer_new and is not used again.
            drop(unsafe { Box::from_raw(producer) });
        }
    })
}
