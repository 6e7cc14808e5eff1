//! `kft_admin_list_offsets` and `kft_admin_list_topics`: a partition's offset for a spec
//! (librdkafka's -2/-1/-3 or a timestamp), and the cluster's topics as an opaque `kft_topic_list`.

use std::ffi::{c_char, CString};

use kafkette::admin::{AdminResult, OffsetSpec};
use kafkette::consumer::TopicPartition;
use kafkette::Error;

use crate::admin::kft_admin;
use crate::args::{arg_out, arg_ref, arg_str};
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result, FfiError};

/// `kft_admin_list_offsets` spec: the partition's log start offset.
pub const KFT_OFFSET_SPEC_EARLIEST: i64 = -2;
/// `kft_admin_list_offsets` spec: the partition's high watermark (the next offset to be written).
pub const KFT_OFFSET_SPEC_LATEST: i64 = -1;
/// `kft_admin_list_offsets` spec: the offset of the record with the highest timestamp.
pub const KFT_OFFSET_SPEC_MAX_TIMESTAMP: i64 = -3;

/// The `OffsetSpec` for a C spec, or an invalid-argument error.
fn offset_spec(spec: i64) -> Result<OffsetSpec, FfiError> {
    match spec {
        KFT_OFFSET_SPEC_EARLIEST => Ok(OffsetSpec::Earliest),
        KFT_OFFSET_SPEC_LATEST => Ok(OffsetSpec::Latest),
        KFT_OFFSET_SPEC_MAX_TIMESTAMP => Ok(OffsetSpec::MaxTimestamp),
        t if t >= 0 => Ok(OffsetSpec::Timestamp(t)),
        other => Err(FfiError::invalid_arg(format!(
            "spec must be KFT_OFFSET_SPEC_EARLIEST, _LATEST, _MAX_TIMESTAMP or a timestamp >= 0, got {other}"
        ))),
    }
}

/// The offset of `topic`/`partition` for `spec`: `KFT_OFFSET_SPEC_EARLIEST` (the log start
/// offset), `KFT_OFFSET_SPEC_LATEST` (the high watermark), `KFT_OFFSET_SPEC_MAX_TIMESTAMP` (the
/// record with the highest timestamp) or a timestamp in ms (the first record at or after it), asked
/// of the partition's leader. Waits for the broker's answer (up to `default.api.timeout.ms`). On
/// `KFT_OK`, stores the offset in `*offset_out` (-1 when no record matches a timestamp) and, if
/// `timestamp_out` is not NULL, the record's timestamp there (-1 for earliest/latest).
///
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG` (a
/// negative partition or a spec below -3), or the broker's answer:
/// `KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION`, `KFT_ERR_TIMED_OUT`. Thread-safe.
///
/// # Safety
/// `admin` is NULL or live; `topic` is NULL or NUL-terminated; `offset_out` is NULL or writable;
/// `timestamp_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_list_offsets(
    admin: *mut kft_admin,
    topic: *const c_char,
    partition: i32,
    spec: i64,
    offset_out: *mut i64,
    timestamp_out: *mut i64,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: admin is NULL or live, topic NULL or NUL-terminated, offset_out NULL or writable.
        let (admin, topic, offset_out) =
            unsafe { (arg_ref(admin, "admin")?, arg_str(topic, "topic")?, arg_out(offset_out, "offset_out")?) };
        if partition < 0 {
            return Err(FfiError::invalid_arg(format!("partition must be >= 0, got {partition}")));
        }
        let spec = offset_spec(spec)?;
        let tp = TopicPartition::new(topic, partition);
        let listed = match admin.lock().list_offsets(vec![(tp, spec)], false)? {
            AdminResult::ListOffsets(mut results) => match results.pop() {
                Some((_, r)) => r?,
                None => return Err(Error::internal("ListOffsets returned no result").into()),
            },
            other => return Err(Error::internal(format!("unexpected admin result {other:?}")).into()),
        };
        *offset_out = listed.offset;
        if !timestamp_out.is_null() {
            // SAFETY: timestamp_out is writable when not NULL, per the contract.
            unsafe { *timestamp_out = listed.timestamp };
        }
        Ok(())
    })
}

/// The cluster's topics as ListTopics (a Metadata request) answers them, in name order. Opaque;
/// from `kft_admin_list_topics`, read with `kft_topic_list_*`, free with `kft_topic_list_destroy`.
#[allow(non_camel_case_types)]
pub struct kft_topic_list {
    topics: Vec<(CString, i32, bool)>,
}

/// Topic `index` of `list`: its name, partition count and internal flag; None for a NULL `list` or
/// an index out of range.
///
/// # Safety
/// `list` is NULL or live during `'a`.
unsafe fn topic_at<'a>(list: *const kft_topic_list, index: usize) -> Option<&'a (CString, i32, bool)> {
    // SAFETY: list is NULL or live during 'a, per the contract.
    unsafe { list.as_ref() }.and_then(|l| l.topics.get(index))
}

/// List the cluster's topics (internal ones included, flagged by `kft_topic_list_internal`). On
/// `KFT_OK`, `*out` is a new `kft_topic_list` the caller owns and frees with `kft_topic_list_destroy`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or the broker's error (`KFT_ERR_TIMED_OUT`...).
/// Thread-safe.
///
/// # Safety
/// `admin` is NULL or live; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_list_topics(admin: *mut kft_admin, out: *mut *mut kft_topic_list) -> kft_result {
    ffi_boundary!({
        // SAFETY: admin is NULL or live and out NULL or writable, per the contract.
        let (admin, out) = unsafe { (arg_ref(admin, "admin")?, arg_out(out, "out")?) };
        let mut listings = match admin.lock().list_topics()? {
            AdminResult::ListTopics(listings) => listings,
            other => return Err(Error::internal(format!("unexpected admin result {other:?}")).into()),
        };
        listings.sort_by(|a, b| a.name.cmp(&b.name));
        let topics = listings.into_iter().map(|t| (c_string_lossy(&t.name), t.partitions, t.internal)).collect();
        *out = Box::into_raw(Box::new(kft_topic_list { topics }));
        Ok(())
    })
}

/// How many topics the list has (0 for a NULL `list`).
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_topic_list_count(list: *const kft_topic_list) -> usize {
    ffi_value!(0, {
        // SAFETY: list is NULL or live, per the contract.
        unsafe { list.as_ref() }.map_or(0, |l| l.topics.len())
    })
}

/// The name of topic `index` (0 .. `kft_topic_list_count`), valid until `kft_topic_list_destroy`;
/// NULL for a NULL `list` or an index out of range.
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_topic_list_name(list: *const kft_topic_list, index: usize) -> *const c_char {
    ffi_value!(std::ptr::null(), {
        // SAFETY: list is NULL or live, per the contract.
        unsafe { topic_at(list, index) }.map_or(std::ptr::null(), |t| t.0.as_ptr())
    })
}

/// The partition count of topic `index`; -1 for a NULL `list` or an index out of range.
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_topic_list_partitions(list: *const kft_topic_list, index: usize) -> i32 {
    ffi_value!(-1, {
        // SAFETY: list is NULL or live, per the contract.
        unsafe { topic_at(list, index) }.map_or(-1, |t| t.1)
    })
}

/// Whether topic `index` is internal (`__consumer_offsets`...): 1 if so, 0 if not or for a NULL
/// `list` or an index out of range.
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_topic_list_internal(list: *const kft_topic_list, index: usize) -> i32 {
    ffi_value!(0, {
        // SAFETY: list is NULL or live, per the contract.
        unsafe { topic_at(list, index) }.map_or(0, |t| i32::from(t.2))
    })
}

/// Free a topic list. NULL is ignored.
///
/// # Safety
/// `list` is NULL or a live `kft_topic_list`, never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_topic_list_destroy(list: *mut kft_topic_list) {
    ffi_value!((), {
        if !list.is_null() {
            // SAFETY: list came from Box::into_raw in kft_admin_list_topics and is not used again.
            drop(unsafe { Box::from_raw(list) });
        }
    })
}
