//! `kft_consumer`: reads records from assigned partitions, one `kft_message` per
//! `kft_consumer_poll`, in the shape of librdkafka's `rd_kafka_assign` and
//! `rd_kafka_consumer_poll`. Consumer groups are not in the core yet, so
//! partitions are assigned by hand.
//!
//! The core's poll hands out up to `max.poll.records` at once; the records not
//! yet given to C wait here, and `seek`, `assign` and `position` take them into
//! account so the C caller sees the core's semantics one record at a time.

use std::collections::VecDeque;
use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};

use kafkette::consumer::{ConsumerRecord, TopicPartition};
use kafkette::local::Consumer;

use crate::args::{arg_out, arg_ref, arg_slice, arg_str, timeout_from_ms};
use crate::conf::{kft_conf, required_pairs};
use crate::message::kft_message;
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{kft_result, FfiError, FfiResult};

/// Offset: the start of the partition's log.
pub const KFT_OFFSET_BEGINNING: i64 = -2;
/// Offset: the end of the partition's log (only records written from now on).
pub const KFT_OFFSET_END: i64 = -1;
/// Offset: none given (`kft_consumer_assign`: start where `auto.offset.reset` says;
/// `kft_consumer_position`: not known yet).
pub const KFT_OFFSET_INVALID: i64 = -1001;

/// A partition to assign, with the offset to start from (an offset, `KFT_OFFSET_BEGINNING`,
/// `KFT_OFFSET_END`, or `KFT_OFFSET_INVALID` to follow `auto.offset.reset`).
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct kft_topic_partition {
    /// NUL-terminated UTF-8 topic name.
    pub topic: *const c_char,
    pub partition: i32,
    pub offset: i64,
}

struct Inner {
    consumer: Consumer,
    /// Records the core handed out that C has not polled yet, in order.
    buffer: VecDeque<ConsumerRecord>,
}

/// A consumer. Opaque; create with `kft_consumer_new`, free with
/// `kft_consumer_destroy`. Thread-safe: calls on one consumer are serialized
/// (a `kft_consumer_poll` that waits holds off the others until it returns).
#[allow(non_camel_case_types)]
pub struct kft_consumer {
    inner: Mutex<Inner>,
}

impl kft_consumer {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn topic_partition(topic: &str, partition: i32) -> FfiResult<TopicPartition> {
    if topic.is_empty() {
        return Err(FfiError::invalid_arg("the topic name is empty"));
    }
    if partition < 0 {
        return Err(FfiError::invalid_arg(format!("partition {partition} of `{topic}` is negative")));
    }
    Ok(TopicPartition::new(topic, partition))
}

fn check_offset(tp: &TopicPartition, offset: i64, allow_invalid: bool) -> FfiResult<()> {
    if offset >= KFT_OFFSET_BEGINNING || (allow_invalid && offset == KFT_OFFSET_INVALID) {
        Ok(())
    } else {
        Err(FfiError::invalid_arg(format!("offset {offset} for {tp} is invalid")))
    }
}

/// Create a consumer from Kafka consumer properties (`bootstrap.servers` naming a
/// running `kft_cluster`, `auto.offset.reset`, `max.poll.records`, ...).
///
/// Ownership: `conf` is only read (the caller still owns it). On `KFT_OK`, `*out` is
/// a new consumer the caller owns and frees with `kft_consumer_destroy`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_INVALID_CONFIG_LOCAL` (an
/// unknown key or a bad value, named in the message; or no in-process cluster at
/// `bootstrap.servers`).
///
/// # Safety
/// `conf` is NULL or a live conf; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_new(conf: *const kft_conf, out: *mut *mut kft_consumer) -> kft_result {
    ffi_boundary!({
        // SAFETY: conf is NULL or live and out NULL or writable, per the contract.
        let (pairs, out) = unsafe { (required_pairs(conf)?, arg_out(out, "out")?) };
        let consumer = Consumer::new(pairs)?;
        *out = Box::into_raw(Box::new(kft_consumer { inner: Mutex::new(Inner { consumer, buffer: VecDeque::new() }) }));
        Ok(())
    })
}

/// Replace the assignment with `count` partitions (0 unassigns everything). A
/// partition already assigned with `KFT_OFFSET_INVALID` keeps its position.
///
/// Ownership: the array and its strings are only read during the call.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER` (`consumer`, `partitions` with a count,
/// or a topic), `KFT_ERR_INVALID_UTF8`, or `KFT_ERR_INVALID_ARG` (empty topic,
/// negative partition, bad offset). On failure the assignment is unchanged.
/// Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `partitions` is NULL or points to `count` entries
/// whose topics are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_assign(
    consumer: *mut kft_consumer,
    partitions: *const kft_topic_partition,
    count: usize,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and partitions NULL or valid for count, per the contract.
        let (consumer, entries) =
            unsafe { (arg_ref(consumer, "consumer")?, arg_slice(partitions, count, "partitions")?) };
        let mut assignment = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            // SAFETY: each topic is NULL or NUL-terminated, per the contract.
            let topic = unsafe { arg_str(e.topic, &format!("partitions[{i}].topic")) }?;
            let tp = topic_partition(topic, e.partition)?;
            check_offset(&tp, e.offset, true)?;
            assignment.push((tp, (e.offset != KFT_OFFSET_INVALID).then_some(e.offset)));
        }
        let mut inner = consumer.lock();
        // Records buffered for a partition that keeps its position are still due; others go.
        let kept: Vec<TopicPartition> =
            assignment.iter().filter(|(_, o)| o.is_none()).map(|(tp, _)| tp.clone()).collect();
        inner.buffer.retain(|r| kept.iter().any(|tp| tp.partition == r.partition && *tp.topic == *r.topic));
        inner.consumer.assign(assignment);
        Ok(())
    })
}

/// Move the position of an assigned partition to `offset` (an offset,
/// `KFT_OFFSET_BEGINNING` or `KFT_OFFSET_END`); records already fetched for the old
/// position are discarded.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`,
/// `KFT_ERR_INVALID_ARG` (bad partition or offset), or
/// `KFT_ERR_UNKNOWN_PARTITION_LOCAL` (not assigned). Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `topic` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_seek(
    consumer: *mut kft_consumer,
    topic: *const c_char,
    partition: i32,
    offset: i64,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and topic NULL or NUL-terminated, per the contract.
        let (consumer, topic) = unsafe { (arg_ref(consumer, "consumer")?, arg_str(topic, "topic")?) };
        let tp = topic_partition(topic, partition)?;
        check_offset(&tp, offset, false)?;
        let mut inner = consumer.lock();
        inner.consumer.seek(&tp, offset)?;
        inner.buffer.retain(|r| !(r.partition == partition && *r.topic == *topic));
        Ok(())
    })
}

/// Write to `*offset_out` the offset of the next record `kft_consumer_poll` returns
/// for the partition, or `KFT_OFFSET_INVALID` while it is not known yet (an offset
/// reset in progress).
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`,
/// `KFT_ERR_INVALID_ARG`, or `KFT_ERR_UNKNOWN_PARTITION_LOCAL` (not assigned).
/// Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `topic` is NULL or NUL-terminated; `offset_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_position(
    consumer: *const kft_consumer,
    topic: *const c_char,
    partition: i32,
    offset_out: *mut i64,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: each pointer is NULL or valid, per the contract.
        let (consumer, topic, offset_out) =
            unsafe { (arg_ref(consumer, "consumer")?, arg_str(topic, "topic")?, arg_out(offset_out, "offset_out")?) };
        let tp = topic_partition(topic, partition)?;
        let inner = consumer.lock();
        if !inner.consumer.assignment().contains(&tp) {
            return Err(kafkette::Error::new(
                kafkette::ErrorCode::UNKNOWN_PARTITION_LOCAL,
                format!("{tp} is not assigned to this consumer"),
            )
            .into());
        }
        let buffered = inner.buffer.iter().find(|r| r.partition == partition && *r.topic == *topic);
        *offset_out = buffered.map(|r| r.offset).or(inner.consumer.position(&tp)).unwrap_or(KFT_OFFSET_INVALID);
        Ok(())
    })
}

/// Wait up to `timeout_ms` (negative: no limit, 0: do not wait) for the next record.
/// On `KFT_OK`, `*out` is a new message the caller owns and frees with
/// `kft_message_destroy`, or NULL if none came in time.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or an error the consumer met, once
/// each: `KFT_ERR_OFFSET_OUT_OF_RANGE`/`KFT_ERR_NO_OFFSET`/`KFT_ERR_AUTO_OFFSET_RESET`
/// with `auto.offset.reset=none`, `KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION`,
/// `KFT_ERR_CORRUPT_MESSAGE`, ... (the message names the partition); `*out` is then NULL.
/// Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_poll(
    consumer: *mut kft_consumer,
    timeout_ms: i32,
    out: *mut *mut kft_message,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and out NULL or writable, per the contract.
        let (consumer, out) = unsafe { (arg_ref(consumer, "consumer")?, arg_out(out, "out")?) };
        *out = std::ptr::null_mut();
        let mut inner = consumer.lock();
        if inner.buffer.is_empty() {
            let records = inner.consumer.poll(timeout_from_ms(timeout_ms))?;
            inner.buffer.extend(records);
        }
        if let Some(record) = inner.buffer.pop_front() {
            *out = Box::into_raw(Box::new(kft_message::new(record)));
        }
        Ok(())
    })
}

/// Free a consumer. NULL is ignored. Messages it returned stay valid.
///
/// # Safety
/// `consumer` is NULL or a live consumer from `kft_consumer_new`, not in use by
/// another thread and never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_destroy(consumer: *mut kft_consumer) {
    ffi_value!((), {
        if !consumer.is_null() {
            // SAFETY: consumer came from Box::into_raw in kft_consumer_new and is not used again.
            drop(unsafe { Box::from_raw(consumer) });
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn special_offsets_are_the_cores() {
        // Literals above so cbindgen can write them into the header.
        assert_eq!(super::KFT_OFFSET_BEGINNING, kafkette::consumer::OFFSET_BEGINNING);
        assert_eq!(super::KFT_OFFSET_END, kafkette::consumer::OFFSET_END);
    }
}
