//! `kft_admin_create_partitions`, `kft_admin_delete_records` and `kft_admin_describe_cluster`:
//! one blocking call each through the core's admin client, the broker's answer as a result code.

use std::ffi::{c_char, CString};

use kafkette::admin::AdminResult;
use kafkette::consumer::TopicPartition;
use kafkette::Error;

use crate::admin::kft_admin;
use crate::args::{arg_out, arg_ref, arg_str};
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result, FfiError};

/// `kft_admin_delete_records` offset: delete everything up to the high watermark.
pub const KFT_OFFSET_HIGH_WATERMARK: i64 = -1;

/// Grow topic `topic` to `new_total_count` partitions. Waits for the broker's answer.
///
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG`
/// (`new_total_count` below 1), or the broker's answer: `KFT_ERR_INVALID_PARTITIONS` (not an
/// increase; the message says so), `KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION`, `KFT_ERR_TIMED_OUT`.
/// Thread-safe.
///
/// # Safety
/// `admin` is NULL or live; `topic` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_create_partitions(
    admin: *mut kft_admin,
    topic: *const c_char,
    new_total_count: i32,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: admin is NULL or live and topic NULL or NUL-terminated, per the contract.
        let (admin, topic) = unsafe { (arg_ref(admin, "admin")?, arg_str(topic, "topic")?) };
        if new_total_count < 1 {
            return Err(FfiError::invalid_arg(format!("new_total_count must be positive, got {new_total_count}")));
        }
        match admin.lock().create_partitions(vec![(topic.to_string(), new_total_count)], false)? {
            AdminResult::CreatePartitions(mut results) => match results.pop() {
                Some((_, r)) => r?,
                None => return Err(Error::internal("CreatePartitions returned no result").into()),
            },
            other => return Err(Error::internal(format!("unexpected admin result {other:?}")).into()),
        }
        Ok(())
    })
}

/// Delete the records of `topic`/`partition` before `offset` (`KFT_OFFSET_HIGH_WATERMARK`: all of
/// them), on the partition's leader. Waits for the broker's answer; on `KFT_OK` and a non-NULL
/// `low_watermark`, stores the partition's new log start offset there.
///
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG` (a
/// negative partition or an offset below -1), or the broker's answer:
/// `KFT_ERR_OFFSET_OUT_OF_RANGE` (beyond the high watermark), `KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION`,
/// `KFT_ERR_TIMED_OUT`. Thread-safe.
///
/// # Safety
/// `admin` is NULL or live; `topic` is NULL or NUL-terminated; `low_watermark` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_delete_records(
    admin: *mut kft_admin,
    topic: *const c_char,
    partition: i32,
    offset: i64,
    low_watermark: *mut i64,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: admin is NULL or live and topic NULL or NUL-terminated, per the contract.
        let (admin, topic) = unsafe { (arg_ref(admin, "admin")?, arg_str(topic, "topic")?) };
        if partition < 0 || offset < KFT_OFFSET_HIGH_WATERMARK {
            return Err(FfiError::invalid_arg(format!(
                "partition must be >= 0 and offset >= -1, got partition {partition}, offset {offset}"
            )));
        }
        let tp = TopicPartition::new(topic, partition);
        let low = match admin.lock().delete_records(vec![(tp, offset)])? {
            AdminResult::DeleteRecords(mut results) => match results.pop() {
                Some((_, r)) => r?,
                None => return Err(Error::internal("DeleteRecords returned no result").into()),
            },
            other => return Err(Error::internal(format!("unexpected admin result {other:?}")).into()),
        };
        if !low_watermark.is_null() {
            // SAFETY: low_watermark is writable when not NULL, per the contract.
            unsafe { *low_watermark = low };
        }
        Ok(())
    })
}

/// The cluster as DescribeCluster answers it. Opaque; from `kft_admin_describe_cluster`, read
/// with `kft_cluster_info_*`, free with `kft_cluster_info_destroy`.
#[allow(non_camel_case_types)]
pub struct kft_cluster_info {
    cluster_id: CString,
    controller: i32,
    nodes: Vec<(i32, CString, i32)>,
}

/// Describe the cluster: its id, controller and nodes. On `KFT_OK`, `*out` is a new
/// `kft_cluster_info` the caller owns and frees with `kft_cluster_info_destroy`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or the broker's error (`KFT_ERR_TIMED_OUT`...).
///
/// # Safety
/// `admin` is NULL or live; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_describe_cluster(
    admin: *mut kft_admin,
    out: *mut *mut kft_cluster_info,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: admin is NULL or live and out NULL or writable, per the contract.
        let (admin, out) = unsafe { (arg_ref(admin, "admin")?, arg_out(out, "out")?) };
        let d = admin.lock().describe_cluster(false)?;
        let nodes = d.nodes.iter().map(|n| (n.id, c_string_lossy(&n.host), n.port)).collect();
        let info = kft_cluster_info {
            cluster_id: c_string_lossy(&d.cluster_id),
            controller: d.controller.unwrap_or(-1),
            nodes,
        };
        *out = Box::into_raw(Box::new(info));
        Ok(())
    })
}

/// The cluster id, valid until `kft_cluster_info_destroy`; NULL for a NULL `info`.
///
/// # Safety
/// `info` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_info_cluster_id(info: *const kft_cluster_info) -> *const c_char {
    ffi_value!(std::ptr::null(), {
        // SAFETY: info is NULL or live, per the contract.
        match unsafe { info.as_ref() } {
            Some(i) => i.cluster_id.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// The controller's node id; -1 when there is none (or `info` is NULL).
///
/// # Safety
/// `info` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_info_controller(info: *const kft_cluster_info) -> i32 {
    ffi_value!(-1, {
        // SAFETY: info is NULL or live, per the contract.
        unsafe { info.as_ref() }.map_or(-1, |i| i.controller)
    })
}

/// How many nodes the cluster has (0 for a NULL `info`).
///
/// # Safety
/// `info` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_info_node_count(info: *const kft_cluster_info) -> usize {
    ffi_value!(0, {
        // SAFETY: info is NULL or live, per the contract.
        unsafe { info.as_ref() }.map_or(0, |i| i.nodes.len())
    })
}

/// Node `index` (0 .. `kft_cluster_info_node_count`): its id, host (valid until
/// `kft_cluster_info_destroy`) and port; any out-pointer may be NULL.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER` (`info`), or `KFT_ERR_INVALID_ARG` (index out of range).
///
/// # Safety
/// `info` is NULL or live; `id`, `host` and `port` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_info_node(
    info: *const kft_cluster_info,
    index: usize,
    id: *mut i32,
    host: *mut *const c_char,
    port: *mut i32,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: info is NULL or live, per the contract.
        let info = unsafe { arg_ref(info, "info")? };
        let Some((node, h, p)) = info.nodes.get(index) else {
            return Err(FfiError::invalid_arg(format!("node index {index} of {} nodes", info.nodes.len())));
        };
        // SAFETY: each out-pointer is NULL or writable, per the contract.
        unsafe {
            if !id.is_null() {
                *id = *node;
            }
            if !host.is_null() {
                *host = h.as_ptr();
            }
            if !port.is_null() {
                *port = *p;
            }
        }
        Ok(())
    })
}

/// Free a cluster description. NULL is ignored.
///
/// # Safety
/// `info` is NULL or a live `kft_cluster_info`, never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_info_destroy(info: *mut kft_cluster_info) {
    ffi_value!((), {
        if !info.is_null() {
            // SAFETY: info came from Box::into_raw in kft_admin_describe_cluster and is not used again.
            drop(unsafe { Box::from_raw(info) });
        }
    })
}
