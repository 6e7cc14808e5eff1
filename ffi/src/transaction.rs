//! Transactions of a `kft_producer` with a `transactional.id`, in the shape of
//! librdkafka's `rd_kafka_init_transactions` & co. Failures carry Kafka's
//! classification through the last error: `kft_last_error_is_retriable` (call again),
//! `kft_last_error_txn_requires_abort` (abort, then begin anew) and
//! `kft_last_error_is_fatal` (fenced: destroy the producer).

use kafkette::producer::TxnOffset;

use crate::args::{arg_ref, timeout_from_ms};
use crate::consumer::kft_topic_partition;
use crate::group_metadata::{kft_group_metadata, metadata_arg};
use crate::panic::ffi_boundary;
use crate::partition_list::partitions_arg;
use crate::producer::kft_producer;
use crate::result::{kft_result, FfiError};

/// Register the producer's `transactional.id` with its transaction coordinator, waiting
/// up to `timeout_ms` (negative: no limit): an older producer with the same id is
/// fenced and its open transaction aborted. Call once, before the first transaction; a
/// call that timed out (retriable) may be repeated and continues.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_STATE` (no `transactional.id`, or
/// already done), `KFT_ERR_TIMED_OUT` (retriable), or a fatal coordinator error
/// (`KFT_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED`, ...). Thread-safe.
///
/// # Safety
/// `producer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_init_transactions(producer: *mut kft_producer, timeout_ms: i32) -> kft_result {
    ffi_boundary!({
        // SAFETY: producer is NULL or live, per the contract.
        let producer = unsafe { arg_ref(producer, "producer") }?;
        producer.lock().producer.init_transactions(timeout_from_ms(timeout_ms))?;
        Ok(())
    })
}

/// Start a transaction: the records sent until `kft_producer_commit_transaction` or
/// `_abort_transaction` belong to it. Does not wait.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_STATE` (no `transactional.id`,
/// before `init_transactions`, or a transaction already open), or the fatal error that
/// ended the producer (`KFT_ERR_PRODUCER_FENCED`, ...). Thread-safe.
///
/// # Safety
/// `producer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_begin_transaction(producer: *mut kft_producer) -> kft_result {
    ffi_boundary!({
        // SAFETY: producer is NULL or live, per the contract.
        let producer = unsafe { arg_ref(producer, "producer") }?;
        producer.lock().producer.begin_transaction()?;
        Ok(())
    })
}

/// Make the consumer offsets in `offsets` (`count` entries: the next offset to consume
/// per partition, as a consumer commits) part of the open transaction, for the group
/// `group_metadata` names (from `kft_consumer_group_metadata`, so the coordinator fences
/// a zombie member; or `kft_group_metadata_new`). They are committed with the
/// transaction, or never if it aborts. Waits up to `timeout_ms` (negative: no limit).
///
/// Ownership: everything is only read during the call.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG`
/// (no offsets, a negative partition or offset), `KFT_ERR_STATE` (no open transaction),
/// `KFT_ERR_TIMED_OUT` (retriable), or the coordinators' errors, with
/// `kft_last_error_txn_requires_abort` / `_is_fatal` telling what to do. Thread-safe.
///
/// # Safety
/// `producer` is NULL or live; `offsets` is NULL or points to `count` entries whose
/// topics are NULL or NUL-terminated; `group_metadata` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_send_offsets_to_transaction(
    producer: *mut kft_producer,
    offsets: *const kft_topic_partition,
    count: usize,
    group_metadata: *const kft_group_metadata,
    timeout_ms: i32,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: every pointer is NULL or valid as the contract states.
        let (producer, entries, metadata) = unsafe {
            (
                arg_ref(producer, "producer")?,
                partitions_arg(offsets, count, "offsets")?,
                metadata_arg(group_metadata, "group_metadata")?,
            )
        };
        if entries.is_empty() {
            return Err(FfiError::invalid_arg("send_offsets_to_transaction needs at least one offset"));
        }
        let mut list = Vec::with_capacity(entries.len());
        for (tp, offset) in entries {
            if offset < 0 {
                return Err(FfiError::invalid_arg(format!("cannot send offset {offset} for {tp}")));
            }
            list.push(TxnOffset { topic: tp.topic, partition: tp.partition, offset, metadata: None });
        }
        producer.lock().producer.send_offsets_to_transaction(list, metadata, timeout_from_ms(timeout_ms))?;
        Ok(())
    })
}

/// Send every record of the transaction, then commit it, waiting up to `timeout_ms`
/// (negative: no limit): read_committed consumers see its records and the offsets sent
/// to it are committed. Delivery reports of its records come from `kft_producer_poll`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_STATE` (no open transaction),
/// `KFT_ERR_TIMED_OUT` (retriable: call again), an error with
/// `kft_last_error_txn_requires_abort` (a record failed: abort), or a fatal one
/// (`KFT_ERR_PRODUCER_FENCED`, `KFT_ERR_INVALID_PRODUCER_EPOCH`: another producer took
/// the `transactional.id`; destroy this one). Thread-safe.
///
/// # Safety
/// `producer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_commit_transaction(producer: *mut kft_producer, timeout_ms: i32) -> kft_result {
    ffi_boundary!({
        // SAFETY: producer is NULL or live, per the contract.
        let producer = unsafe { arg_ref(producer, "producer") }?;
        producer.lock().producer.commit_transaction(timeout_from_ms(timeout_ms))?;
        Ok(())
    })
}

/// Abort the transaction, waiting up to `timeout_ms` (negative: no limit): records not
/// sent yet fail (their delivery reports say so), written ones are never seen by
/// read_committed consumers, offsets sent to it are not committed.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_STATE` (no open transaction),
/// `KFT_ERR_TIMED_OUT` (retriable: call again), or a fatal error. Thread-safe.
///
/// # Safety
/// `producer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_producer_abort_transaction(producer: *mut kft_producer, timeout_ms: i32) -> kft_result {
    ffi_boundary!({
        // SAFETY: producer is NULL or live, per the contract.
        let producer = unsafe { arg_ref(producer, "producer") }?;
        producer.lock().producer.abort_transaction(timeout_from_ms(timeout_ms))?;
        Ok(())
    })
}
