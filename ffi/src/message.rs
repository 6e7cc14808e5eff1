//! `kft_message`: one consumed record, owned by the application until
//! `kft_message_destroy`, and `kft_header`, a record header as both the producer
//! takes it and a message gives it back. Accessors return values directly
//! (they cannot fail on a live message) and state what a NULL message gives.

use std::ffi::{c_char, CString};

use kafkette::consumer::ConsumerRecord;
use kafkette::record::TimestampType;

use crate::args::arg_out;
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result, FfiError};

/// `kft_message_timestamp_type`: the producer set the timestamp (CreateTime).
pub const KFT_TIMESTAMP_CREATE_TIME: i32 = 0;
/// `kft_message_timestamp_type`: the broker set the timestamp (LogAppendTime).
pub const KFT_TIMESTAMP_LOG_APPEND_TIME: i32 = 1;

/// A record header: a UTF-8 key of `key_len` bytes and a value of `value_len`
/// bytes, or a null value (`value` NULL, `value_len` 0). Neither is NUL-terminated
/// necessarily. Header keys may repeat; order is kept.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct kft_header {
    pub key: *const c_char,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
}

/// A consumed record. Opaque; from `kft_consumer_poll`, freed with
/// `kft_message_destroy`. Immutable: may be read from several threads at once.
#[allow(non_camel_case_types)]
pub struct kft_message {
    record: ConsumerRecord,
    topic: CString,
}

impl kft_message {
    pub(crate) fn new(record: ConsumerRecord) -> kft_message {
        let topic = c_string_lossy(&record.topic);
        kft_message { record, topic }
    }
}

/// Bytes as a pointer and a length: NULL and 0 for none.
///
/// # Safety
/// `len_out` is NULL or writable.
unsafe fn raw(bytes: Option<&[u8]>, len_out: *mut usize) -> *const u8 {
    if !len_out.is_null() {
        // SAFETY: len_out is non-NULL and the caller promises it is writable.
        unsafe { *len_out = bytes.map_or(0, <[u8]>::len) };
    }
    bytes.map_or(std::ptr::null(), <[u8]>::as_ptr)
}

/// The message's topic, or NULL if `msg` is NULL. Owned by the message (valid
/// until `kft_message_destroy`).
///
/// # Safety
/// `msg` is NULL or a live message.
#[no_mangle]
pub unsafe extern "C" fn kft_message_topic(msg: *const kft_message) -> *const c_char {
    // SAFETY: msg is NULL or live, per the contract.
    ffi_value!(std::ptr::null(), unsafe { msg.as_ref() }.map_or(std::ptr::null(), |m| m.topic.as_ptr()))
}

/// The message's partition, or -1 if `msg` is NULL.
///
/// # Safety
/// `msg` is NULL or a live message.
#[no_mangle]
pub unsafe extern "C" fn kft_message_partition(msg: *const kft_message) -> i32 {
    // SAFETY: msg is NULL or live, per the contract.
    ffi_value!(-1, unsafe { msg.as_ref() }.map_or(-1, |m| m.record.partition))
}

/// The message's offset in its partition, or -1 if `msg` is NULL.
///
/// # Safety
/// `msg` is NULL or a live message.
#[no_mangle]
pub unsafe extern "C" fn kft_message_offset(msg: *const kft_message) -> i64 {
    // SAFETY: msg is NULL or live, per the contract.
    ffi_value!(-1, unsafe { msg.as_ref() }.map_or(-1, |m| m.record.offset))
}

/// The message's timestamp (milliseconds since the Unix epoch), or -1 if `msg` is NULL.
///
/// # Safety
/// `msg` is NULL or a live message.
#[no_mangle]
pub unsafe extern "C" fn kft_message_timestamp(msg: *const kft_message) -> i64 {
    // SAFETY: msg is NULL or live, per the contract.
    ffi_value!(-1, unsafe { msg.as_ref() }.map_or(-1, |m| m.record.timestamp))
}

/// `KFT_TIMESTAMP_CREATE_TIME` or `KFT_TIMESTAMP_LOG_APPEND_TIME`, or -1 if `msg` is NULL.
///
/// # Safety
/// `msg` is NULL or a live message.
#[no_mangle]
pub unsafe extern "C" fn kft_message_timestamp_type(msg: *const kft_message) -> i32 {
    // SAFETY: msg is NULL or live, per the contract.
    let m = unsafe { msg.as_ref() };
    ffi_value!(
        -1,
        m.map_or(-1, |m| match m.record.timestamp_type {
            TimestampType::CreateTime => KFT_TIMESTAMP_CREATE_TIME,
            TimestampType::LogAppendTime => KFT_TIMESTAMP_LOG_APPEND_TIME,
        })
    )
}

/// The key's bytes, with their count in `*len_out` (if `len_out` is not NULL).
/// NULL (and 0) for a null key or a NULL `msg`; an empty key gives a non-NULL
/// pointer and 0. Owned by the message (valid until `kft_message_destroy`).
///
/// # Safety
/// `msg` is NULL or a live message; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_message_key(msg: *const kft_message, len_out: *mut usize) -> *const u8 {
    // SAFETY: msg is NULL or live, per the contract.
    let m = unsafe { msg.as_ref() };
    // SAFETY: len_out is NULL or writable, per the contract.
    ffi_value!(std::ptr::null(), unsafe { raw(m.and_then(|m| m.record.key.as_deref()), len_out) })
}

/// The value's bytes, with their count in `*len_out` (if `len_out` is not NULL).
/// NULL (and 0) for a null value (a tombstone) or a NULL `msg`; an empty value gives
/// a non-NULL pointer and 0. Owned by the message (valid until `kft_message_destroy`).
///
/// # Safety
/// `msg` is NULL or a live message; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_message_value(msg: *const kft_message, len_out: *mut usize) -> *const u8 {
    // SAFETY: msg is NULL or live, per the contract.
    let m = unsafe { msg.as_ref() };
    // SAFETY: len_out is NULL or writable, per the contract.
    ffi_value!(std::ptr::null(), unsafe { raw(m.and_then(|m| m.record.value.as_deref()), len_out) })
}

/// The number of headers, or 0 if `msg` is NULL.
///
/// # Safety
/// `msg` is NULL or a live message.
#[no_mangle]
pub unsafe extern "C" fn kft_message_header_count(msg: *const kft_message) -> usize {
    // SAFETY: msg is NULL or live, per the contract.
    ffi_value!(0, unsafe { msg.as_ref() }.map_or(0, |m| m.record.headers.len()))
}

/// Fill `*out` with header number `index` (from 0, in record order). The pointers
/// in `*out` are owned by the message (valid until `kft_message_destroy`).
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER` (`msg` or `out` NULL), or
/// `KFT_ERR_INVALID_ARG` (`index` not below `kft_message_header_count`).
///
/// # Safety
/// `msg` is NULL or a live message; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_message_header(msg: *const kft_message, index: usize, out: *mut kft_header) -> kft_result {
    ffi_boundary!({
        // SAFETY: msg is NULL or live, out NULL or writable, per the contract.
        let (m, out) = unsafe { (crate::args::arg_ref(msg, "msg")?, arg_out(out, "out")?) };
        let count = m.record.headers.len();
        let h = m.record.headers.get(index).ok_or_else(|| {
            FfiError::invalid_arg(format!("header index {index} is out of range (the message has {count})"))
        })?;
        *out = kft_header {
            key: h.key.as_ptr().cast(),
            key_len: h.key.len(),
            value: h.value.as_deref().map_or(std::ptr::null(), <[u8]>::as_ptr),
            value_len: h.value.as_ref().map_or(0, |v| v.len()),
        };
        Ok(())
    })
}

/// Free a message. NULL is ignored.
///
/// # Safety
/// `msg` is NULL or a live message from `kft_consumer_poll`, not in use by another
/// thread and never used again after this call (nor the pointers its accessors gave).
#[no_mangle]
pub unsafe extern "C" fn kft_message_destroy(msg: *mut kft_message) {
    ffi_value!((), {
        if !msg.is_null() {
            // SAFETY: msg came from Box::into_raw in kft_consumer_poll and is not used again.
            drop(unsafe { Box::from_raw(msg) });
        }
    })
}
