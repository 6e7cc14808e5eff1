//! `kft_admin_create_partitions`, `kft_admin_delete_records`, `kft_admin_describe_cluster` and
//! `kft_admin_describe_config`: one blocking call each through the core's admin client, the
//! broker's answer as a result code.

use std::ffi::{c_char, CString};

use kafkette::admin::{AdminResult, ConfigResource, ResourceType};
use kafkette::consumer::TopicPartition;
use kafkette::Error;

use crate::admin::kft_admin;
use crate::args::{arg_out, arg_ref, arg_str};
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result, FfiError};

/// `kft_admin_delete_records` offset: delete everything up to the high watermark.
pub const KFT_OFFSET_HIGH_WATERMARK: i64 = -1;
/// `kft_admin_describe_config` resource: a topic, by name.
pub const KFT_RESOURCE_TOPIC: i32 = 2;
/// `kft_admin_describe_config` resource: a broker, by its node id ("0").
pub const KFT_RESOURCE_BROKER: i32 = 4;

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

/// The value of configuration `key` of a topic (`KFT_RESOURCE_TOPIC`, by name) or broker
/// (`KFT_RESOURCE_BROKER`, by node id). Like `snprintf`: copies at most `value_size - 1` bytes and a
/// NUL into `value` (if not NULL and `value_size` > 0) and stores the full length in `*value_len`
/// (if not NULL), so a `*value_len >= value_size` means the buffer was too small. `*source` (if not
/// NULL) gets Kafka's ConfigSource: 1 a topic override, 4 a static broker setting, 5 the default.
///
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG` (another
/// resource type, or no such key), or the broker's answer: `KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION`,
/// `KFT_ERR_INVALID_REQUEST` (a broker that is not in the cluster), `KFT_ERR_TIMED_OUT`. Thread-safe.
///
/// # Safety
/// `admin` is NULL or live; `name` and `key` are NULL or NUL-terminated; `value` is NULL or has
/// `value_size` writable bytes; `value_len` and `source` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_describe_config(
    admin: *mut kft_admin,
    resource_type: i32,
    name: *const c_char,
    key: *const c_char,
    value: *mut c_char,
    value_size: usize,
    value_len: *mut usize,
    source: *mut i32,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: admin is NULL or live; name and key NULL or NUL-terminated, per the contract.
        let (admin, name, key) = unsafe { (arg_ref(admin, "admin")?, arg_str(name, "name")?, arg_str(key, "key")?) };
        let kind = match resource_type {
            KFT_RESOURCE_TOPIC => ResourceType::Topic,
            KFT_RESOURCE_BROKER => ResourceType::Broker,
            other => {
                return Err(FfiError::invalid_arg(format!(
                    "resource_type {other} (KFT_RESOURCE_TOPIC or KFT_RESOURCE_BROKER)"
                )))
            }
        };
        let resource = ConfigResource { kind, name: name.to_string() };
        let entries = match admin.lock().describe_configs(vec![resource], false)? {
            AdminResult::DescribeConfigs(mut results) => match results.pop() {
                Some((_, r)) => r?,
                None => return Err(Error::internal("DescribeConfigs returned no result").into()),
            },
            other => return Err(Error::internal(format!("unexpected admin result {other:?}")).into()),
        };
        let Some(entry) = entries.into_iter().find(|e| e.name == key) else {
            return Err(FfiError::invalid_arg(format!("{name} has no configuration key {key:?}")));
        };
        let text = entry.value.unwrap_or_default();
        let bytes = text.as_bytes();
        // SAFETY: each out-pointer is NULL or writable (value for value_size bytes), per the contract.
        unsafe {
            if !value.is_null() && value_size > 0 {
                let n = bytes.len().min(value_size - 1);
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), value.cast::<u8>(), n);
                *value.add(n) = 0;
            }
            if !value_len.is_null() {
                *value_len = bytes.len();
            }
            if !source.is_null() {
                *source = i32::from(entry.source.wire());
            }
        }
        Ok(())
    })
}
