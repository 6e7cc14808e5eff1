//! `kft_admin`: creates and deletes topics, one blocking call each, through the
//! core's admin client (which enforces `default.api.timeout.ms`).

use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};

use kafkette::admin::AdminResult;
use kafkette::local::Admin;
use kafkette::Error;

use crate::args::{arg_out, arg_ref, arg_slice, arg_str};
use crate::conf::{kft_conf, required_pairs};
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{kft_result, FfiError};

/// `kft_admin_create_topic` partitions: the broker's `num.partitions`.
pub const KFT_PARTITIONS_DEFAULT: i32 = -1;

/// An admin client. Opaque; create with `kft_admin_new`, free with
/// `kft_admin_destroy`. Thread-safe: calls on one admin client are serialized.
#[allow(non_camel_case_types)]
pub struct kft_admin {
    inner: Mutex<Admin>,
}

impl kft_admin {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Admin> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Create an admin client from Kafka admin properties (`bootstrap.servers` naming a
/// running `kft_cluster`, `default.api.timeout.ms`, ...).
///
/// Ownership: `conf` is only read (the caller still owns it). On `KFT_OK`, `*out` is
/// a new admin client the caller owns and frees with `kft_admin_destroy`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_INVALID_CONFIG_LOCAL` (an
/// unknown key or a bad value, named in the message; or no in-process cluster at
/// `bootstrap.servers`).
///
/// # Safety
/// `conf` is NULL or a live conf; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_new(conf: *const kft_conf, out: *mut *mut kft_admin) -> kft_result {
    ffi_boundary!({
        // SAFETY: conf is NULL or live and out NULL or writable, per the contract.
        let (pairs, out) = unsafe { (required_pairs(conf)?, arg_out(out, "out")?) };
        let admin = Admin::new(pairs)?;
        *out = Box::into_raw(Box::new(kft_admin { inner: Mutex::new(admin) }));
        Ok(())
    })
}

/// Create topic `name` with `partitions` partitions (or `KFT_PARTITIONS_DEFAULT`) and
/// `config_count` topic configs given as parallel arrays of NUL-terminated keys and
/// values (`cleanup.policy`, `retention.ms`, ...; both arrays may be NULL if the count is 0).
/// Waits for the broker's answer (up to `default.api.timeout.ms`).
///
/// Ownership: the strings are only read during the call.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, or the broker's
/// answer: `KFT_ERR_TOPIC_ALREADY_EXISTS`, `KFT_ERR_INVALID_TOPIC_EXCEPTION`,
/// `KFT_ERR_INVALID_PARTITIONS`, `KFT_ERR_INVALID_CONFIG` (a topic config; the
/// message names it), `KFT_ERR_TIMED_OUT`. Thread-safe.
///
/// # Safety
/// `admin` is NULL or live; `name` is NULL or NUL-terminated; `config_keys` and
/// `config_values` are NULL or point to `config_count` pointers, each NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_create_topic(
    admin: *mut kft_admin,
    name: *const c_char,
    partitions: i32,
    config_keys: *const *const c_char,
    config_values: *const *const c_char,
    config_count: usize,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: each pointer is NULL or valid as the contract states.
        let (admin, name, keys, values) = unsafe {
            (
                arg_ref(admin, "admin")?,
                arg_str(name, "name")?,
                arg_slice(config_keys, config_count, "config_keys")?,
                arg_slice(config_values, config_count, "config_values")?,
            )
        };
        if partitions < KFT_PARTITIONS_DEFAULT || partitions == 0 {
            return Err(FfiError::invalid_arg(format!(
                "partitions must be positive or KFT_PARTITIONS_DEFAULT, got {partitions}"
            )));
        }
        let mut configs = Vec::with_capacity(config_count);
        for (i, (k, v)) in keys.iter().zip(values).enumerate() {
            // SAFETY: each key and value is NULL or NUL-terminated, per the contract.
            let pair =
                unsafe { (arg_str(*k, &format!("config_keys[{i}]"))?, arg_str(*v, &format!("config_values[{i}]"))?) };
            configs.push(pair);
        }
        admin.lock().create_topic(name, partitions, &configs)?;
        Ok(())
    })
}

/// Delete topic `name` and its records. Waits for the broker's answer.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, `KFT_ERR_INVALID_UTF8`, or the broker's
/// answer: `KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION` (no such topic), `KFT_ERR_TIMED_OUT`.
/// Thread-safe.
///
/// # Safety
/// `admin` is NULL or live; `name` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_delete_topic(admin: *mut kft_admin, name: *const c_char) -> kft_result {
    ffi_boundary!({
        // SAFETY: admin is NULL or live and name NULL or NUL-terminated, per the contract.
        let (admin, name) = unsafe { (arg_ref(admin, "admin")?, arg_str(name, "name")?) };
        match admin.lock().delete_topics(vec![name.to_string()])? {
            AdminResult::DeleteTopics(mut results) => match results.pop() {
                Some((_, r)) => r?,
                None => return Err(Error::internal("DeleteTopics returned no result").into()),
            },
            other => return Err(Error::internal(format!("unexpected admin result {other:?}")).into()),
        }
        Ok(())
    })
}

/// Free an admin client. NULL is ignored.
///
/// # Safety
/// `admin` is NULL or a live admin client from `kft_admin_new`, not in use by another
/// thread and never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_admin_destroy(admin: *mut kft_admin) {
    ffi_value!((), {
        if !admin.is_null() {
            // SAFETY: admin came from Box::into_raw in kft_admin_new and is not used again.
            drop(unsafe { Box::from_raw(admin) });
        }
    })
}
