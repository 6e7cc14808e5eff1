//! A `kft_consumer`'s offsets in its group and its partitions: commit (synchronous or
//! asynchronous, librdkafka's `rd_kafka_commit`), committed, the assignment, pause and
//! resume.

use std::time::Duration;

use kafkette::consumer::{OffsetAndMetadata, TopicPartition};

use crate::args::{arg_out, arg_ref, timeout_from_ms};
use crate::consumer::{kft_consumer, kft_topic_partition, KFT_OFFSET_INVALID};
use crate::panic::ffi_boundary;
use crate::partition_list::{kft_partition_list, partitions_arg, CPartitions};
use crate::result::{kft_result, FfiError};

/// How long a synchronous commit waits (Kafka's `default.api.timeout.ms` default).
const COMMIT_TIMEOUT: Duration = Duration::from_millis(60_000);

/// Commit offsets to the consumer's group: with `offsets` NULL (`count` ignored) the
/// position of every assigned partition (the offset after the last record polled),
/// else the `count` entries' offsets (the next offset to consume, as Kafka commits).
/// `async_commit` false waits for the group coordinator (up to 60 s); true returns
/// at once. Either way the outcome also goes to the offset-commit callback from a
/// later `kft_consumer_poll`.
///
/// Ownership: the array and its strings are only read during the call.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`,
/// `KFT_ERR_INVALID_ARG` (a negative partition or offset), `KFT_ERR_INVALID_CONFIG_LOCAL`
/// (no `group.id`), `KFT_ERR_DESTROYED`, or (synchronous) the group's answer:
/// `KFT_ERR_REBALANCE_IN_PROGRESS`, `KFT_ERR_ILLEGAL_GENERATION`,
/// `KFT_ERR_UNKNOWN_MEMBER_ID`, `KFT_ERR_TIMED_OUT`, ... Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `offsets` is NULL or points to `count` entries whose
/// topics are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_commit(
    consumer: *mut kft_consumer,
    offsets: *const kft_topic_partition,
    count: usize,
    async_commit: bool,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live, per the contract.
        let consumer = unsafe { arg_ref(consumer, "consumer") }?;
        let offsets = if offsets.is_null() {
            None
        } else {
            // SAFETY: offsets is non-NULL and valid for count entries, per the contract.
            let entries = unsafe { partitions_arg(offsets, count, "offsets") }?;
            let mut list = Vec::with_capacity(entries.len());
            for (tp, offset) in entries {
                if offset < 0 {
                    return Err(FfiError::invalid_arg(format!("cannot commit offset {offset} for {tp}")));
                }
                list.push((tp, OffsetAndMetadata::new(offset)));
            }
            Some(list)
        };
        let mut inner = consumer.lock();
        let core = inner.live()?;
        if async_commit {
            core.commit_async(offsets)?;
        } else {
            core.commit(offsets, COMMIT_TIMEOUT)?;
        }
        Ok(())
    })
}

/// Ask the group coordinator for the committed offsets of `count` partitions, waiting
/// up to `timeout_ms` (negative: no limit), as librdkafka's `rd_kafka_committed`: each
/// entry's `offset` is overwritten with its committed offset, or `KFT_OFFSET_INVALID`
/// where nothing is committed. On failure the entries are unchanged.
///
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG`,
/// `KFT_ERR_INVALID_CONFIG_LOCAL` (no `group.id`), `KFT_ERR_TIMED_OUT`,
/// `KFT_ERR_DESTROYED`, or the coordinator's error. Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `partitions` is NULL or points to `count` writable
/// entries whose topics are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_committed(
    consumer: *mut kft_consumer,
    partitions: *mut kft_topic_partition,
    count: usize,
    timeout_ms: i32,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and partitions NULL or valid for count, per the contract.
        let (consumer, entries) =
            unsafe { (arg_ref(consumer, "consumer")?, partitions_arg(partitions, count, "partitions")?) };
        let tps: Vec<TopicPartition> = entries.into_iter().map(|(tp, _)| tp).collect();
        let got = consumer.lock().live()?.committed(tps.clone(), timeout_from_ms(timeout_ms))?;
        for (i, tp) in tps.iter().enumerate() {
            let offset = got.iter().find(|(t, _)| t == tp).and_then(|(_, o)| o.as_ref()).map(|o| o.offset);
            // SAFETY: partitions is non-NULL (count > 0 here) and valid for count writable entries.
            unsafe { (*partitions.add(i)).offset = offset.unwrap_or(KFT_OFFSET_INVALID) };
        }
        Ok(())
    })
}

/// The partitions assigned to the consumer now (by `kft_consumer_assign` or by its
/// group), each with its position (the next offset `kft_consumer_poll` returns) or
/// `KFT_OFFSET_INVALID` where not known yet.
///
/// Ownership: on `KFT_OK`, `*out` is a new list the caller frees with
/// `kft_partition_list_destroy`. Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or
/// `KFT_ERR_DESTROYED`. Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_assignment(
    consumer: *mut kft_consumer,
    out: *mut *mut kft_partition_list,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and out NULL or writable, per the contract.
        let (consumer, out) = unsafe { (arg_ref(consumer, "consumer")?, arg_out(out, "out")?) };
        let mut inner = consumer.lock();
        let core = inner.live()?;
        let mut tps = core.assignment();
        tps.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        let list: Vec<(TopicPartition, i64)> = tps
            .into_iter()
            .map(|tp| {
                let pos = core.position(&tp).unwrap_or(KFT_OFFSET_INVALID);
                (tp, pos)
            })
            .collect();
        *out = kft_partition_list::boxed(CPartitions::new(list));
        Ok(())
    })
}

/// Pause (`pause` true) or resume fetching `count` assigned partitions (offsets are
/// ignored; partitions not assigned are ignored). A paused partition keeps its
/// position and stays assigned.
///
/// # Safety
/// As `kft_consumer_pause`.
unsafe fn pause_or_resume(
    consumer: *mut kft_consumer,
    partitions: *const kft_topic_partition,
    count: usize,
    pause: bool,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and partitions NULL or valid for count, per the contract.
        let (consumer, entries) =
            unsafe { (arg_ref(consumer, "consumer")?, partitions_arg(partitions, count, "partitions")?) };
        let tps: Vec<TopicPartition> = entries.into_iter().map(|(tp, _)| tp).collect();
        let mut inner = consumer.lock();
        let core = inner.live()?;
        if pause {
            core.pause(&tps);
        } else {
            core.resume(&tps);
        }
        Ok(())
    })
}

/// Stop fetching `count` assigned partitions (offsets ignored; partitions not assigned
/// are ignored) until `kft_consumer_resume`; they keep their positions.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG`,
/// or `KFT_ERR_DESTROYED`. Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `partitions` is NULL or points to `count` entries whose
/// topics are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_pause(
    consumer: *mut kft_consumer,
    partitions: *const kft_topic_partition,
    count: usize,
) -> kft_result {
    // SAFETY: the same contract.
    unsafe { pause_or_resume(consumer, partitions, count, true) }
}

/// Fetch paused partitions again from their positions. Returns and takes what
/// `kft_consumer_pause` does. Thread-safe.
///
/// # Safety
/// As `kft_consumer_pause`.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_resume(
    consumer: *mut kft_consumer,
    partitions: *const kft_topic_partition,
    count: usize,
) -> kft_result {
    // SAFETY: the same contract.
    unsafe { pause_or_resume(consumer, partitions, count, false) }
}
