//! `kft_consumer`: reads records, one `kft_message` per `kft_consumer_poll`, in the
//! shape of librdkafka's `rd_kafka_assign` and `rd_kafka_consumer_poll`; partitions
//! are assigned by hand here or by the group (`consumer_group.rs`).
//!
//! The core hands out one record per poll, so its positions are exactly what C has
//! seen: `kft_consumer_commit` with NULL commits what the application consumed.
//! Group events (rebalances, asynchronous commit outcomes) wait in `Inner::pending`
//! and are dispatched to the application's callbacks by `dispatch` with the
//! consumer's lock released, so callbacks may call back into the consumer.

use std::collections::VecDeque;
use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kafkette::consumer::{ConsumerEvent, ConsumerRecord, TopicPartition};
use kafkette::local::Consumer;
use kafkette::{Error, ErrorCode};

use crate::args::{arg_out, arg_ref, arg_str, timeout_from_ms};
use crate::conf::{kft_conf, required_pairs};
use crate::consumer_group::{dispatch, Callbacks};
use crate::message::kft_message;
use crate::panic::{ffi_boundary, ffi_value};
use crate::partition_list::{partitions_arg, topic_partition};
use crate::result::{kft_result, FfiError, FfiResult};

/// How long one wait inside `kft_consumer_poll` lasts when callbacks are set, so that
/// rebalance events reach them (and the group) promptly.
const CALLBACK_SLICE: Duration = Duration::from_millis(50);

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

pub(crate) struct Inner {
    pub consumer: Consumer,
    pub callbacks: Callbacks,
    /// Group events for the callbacks, in order, not dispatched yet.
    pub pending: VecDeque<ConsumerEvent>,
    /// The partitions the rebalance callback was told are assigned (ASSIGN minus REVOKE and LOST).
    pub announced: Vec<TopicPartition>,
    /// `kft_consumer_close` ran: every call but destroy fails with `KFT_ERR_DESTROYED`.
    pub closed: bool,
}

impl Inner {
    /// The core consumer, unless the consumer was closed.
    pub fn live(&mut self) -> FfiResult<&mut Consumer> {
        if self.closed {
            return Err(Error::new(ErrorCode::DESTROYED, "the consumer was closed (kft_consumer_close)").into());
        }
        Ok(&mut self.consumer)
    }

    /// Move the events the core reported into `pending`, keeping those a callback wants.
    pub fn take_events(&mut self) {
        for e in self.consumer.take_events() {
            let wanted = match e {
                ConsumerEvent::Assigned(_) | ConsumerEvent::Revoked(_) | ConsumerEvent::Lost(_) => {
                    self.callbacks.rebalance.is_some()
                }
                ConsumerEvent::CommitCompleted { .. } => self.callbacks.commit.is_some(),
                // EOFs and auto.offset.reset moves: librdkafka's consumer_poll reports neither by default.
                _ => false,
            };
            if wanted {
                self.pending.push_back(e);
            }
        }
    }

    /// A record taken in the same wait as the revocation (or loss) of its partition is
    /// not handed out: under the revoke barrier its partition is still assigned, so its
    /// position goes back to it before the callback commits, and the new owner gets it.
    fn withhold_if_revoked(&mut self, record: ConsumerRecord) -> Option<ConsumerRecord> {
        let mut revoked = false;
        let mut lost = false;
        for e in &self.pending {
            let (tps, is_revoke) = match e {
                ConsumerEvent::Revoked(tps) => (tps, true),
                ConsumerEvent::Lost(tps) => (tps, false),
                _ => continue,
            };
            if tps.iter().any(|tp| tp.partition == record.partition && *tp.topic == *record.topic) {
                revoked |= is_revoke;
                lost |= !is_revoke;
            }
        }
        if !revoked && !lost {
            return Some(record);
        }
        if revoked {
            let tp = TopicPartition::new(&*record.topic, record.partition);
            // Fails only if the partition is gone already; then nothing can be committed for it either.
            let _ = self.consumer.seek(&tp, record.offset);
        }
        None
    }
}

/// A consumer. Opaque; create with `kft_consumer_new`, free with
/// `kft_consumer_destroy`. Thread-safe: calls on one consumer are serialized
/// (a `kft_consumer_poll` that waits holds off the others until it returns).
#[allow(non_camel_case_types)]
pub struct kft_consumer {
    inner: Mutex<Inner>,
}

impl kft_consumer {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn check_offset(tp: &TopicPartition, offset: i64, allow_invalid: bool) -> FfiResult<()> {
    if offset >= KFT_OFFSET_BEGINNING || (allow_invalid && offset == KFT_OFFSET_INVALID) {
        Ok(())
    } else {
        Err(FfiError::invalid_arg(format!("offset {offset} for {tp} is invalid")))
    }
}

/// Create a consumer from Kafka consumer properties (`bootstrap.servers` naming a
/// running `kft_cluster`, `auto.offset.reset`, `group.id`, `enable.auto.commit`,
/// `isolation.level` (`read_committed` hides aborted and open transactions), ...).
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
        let inner = Inner {
            consumer,
            callbacks: Callbacks::default(),
            pending: VecDeque::new(),
            announced: Vec::new(),
            closed: false,
        };
        *out = Box::into_raw(Box::new(kft_consumer { inner: Mutex::new(inner) }));
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
            unsafe { (arg_ref(consumer, "consumer")?, partitions_arg(partitions, count, "partitions")?) };
        let mut assignment = Vec::with_capacity(entries.len());
        for (tp, offset) in entries {
            check_offset(&tp, offset, true)?;
            assignment.push((tp, (offset != KFT_OFFSET_INVALID).then_some(offset)));
        }
        consumer.lock().live()?.assign(assignment);
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
        consumer.lock().live()?.seek(&tp, offset)?;
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
        let mut inner = consumer.lock();
        let core = inner.live()?;
        if !core.assignment().contains(&tp) {
            return Err(kafkette::Error::new(
                kafkette::ErrorCode::UNKNOWN_PARTITION_LOCAL,
                format!("{tp} is not assigned to this consumer"),
            )
            .into());
        }
        *offset_out = core.position(&tp).unwrap_or(KFT_OFFSET_INVALID);
        Ok(())
    })
}

/// Wait up to `timeout_ms` (negative: no limit, 0: do not wait) for the next record.
/// On `KFT_OK`, `*out` is a new message the caller owns and frees with
/// `kft_message_destroy`, or NULL if none came in time.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or an error the consumer met, once
/// each: `KFT_ERR_OFFSET_OUT_OF_RANGE`/`KFT_ERR_NO_OFFSET`/`KFT_ERR_AUTO_OFFSET_RESET`
/// with `auto.offset.reset=none`, `KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION`,
/// `KFT_ERR_CORRUPT_MESSAGE`, ... (the message names the partition); `*out` is then NULL;
/// `KFT_ERR_DESTROYED` after `kft_consumer_close`.
/// In a group, polling keeps the membership alive (call it within `max.poll.interval.ms`)
/// and serves the rebalance and offset-commit callbacks on this thread, before the
/// record is returned. Thread-safe.
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
        let deadline = (timeout_ms >= 0).then(|| Instant::now() + timeout_from_ms(timeout_ms));
        loop {
            let mut inner = consumer.lock();
            let sliced = inner.callbacks.any();
            let left = deadline.map_or(timeout_from_ms(-1), |d| d.saturating_duration_since(Instant::now()));
            let wait = if sliced { left.min(CALLBACK_SLICE) } else { left };
            let polled = inner.live()?.poll_up_to(wait, 1);
            inner.take_events();
            let record = match polled {
                Ok(mut records) => records.pop().and_then(|r| inner.withhold_if_revoked(r)),
                Err(e) => {
                    drop(inner);
                    dispatch(consumer);
                    return Err(e.into());
                }
            };
            drop(inner);
            dispatch(consumer);
            if let Some(record) = record {
                *out = Box::into_raw(Box::new(kft_message::new(record)));
                return Ok(());
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(());
            }
        }
    })
}

/// Free a consumer. NULL is ignored. Messages it returned stay valid. A group member
/// should `kft_consumer_close` first (else its group waits for its session to expire).
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
